/**
 * A flow's published versions, newest first (GET /v1/flows/:id/versions): which one runs, when each
 * was made and published; "Roll back to this" publishes an earlier one again (POST …/rollback),
 * "Copy to draft" puts its definition in the editor (unsaved) to start from.
 */
import { useState } from 'preact/hooks';
import { call } from '../api';
import { Badge, Empty, ErrorNote, useLoad } from '../components';
import { when } from '../format';
import type { Flow, FlowVersion } from './flow-types';

type Props = { tenant: string; flow: Flow; canWrite: boolean; onChanged: (f: Flow) => void; onCopy: (definition: unknown) => void };

export function FlowVersions(props: Props) {
  const t = props.tenant;
  const f = props.flow;
  // Version numbers are the cursor here: listAll's `id` cursor does not apply, so one page of 100.
  const versions = useLoad(() => call<{ data: FlowVersion[] }>(`/v1/flows/${f.id}/versions?limit=100`, { tenant: t }), [t, f.id, f.published_version, f.latest_version]);
  const [error, setError] = useState<unknown>();
  const rows = versions.data?.data ?? [];
  return (
    <div class="flow-versions">
      <ErrorNote error={error ?? versions.error} />
      {versions.data && rows.length === 0 && <Empty title="Not published yet">Publish the draft: it becomes version 1, and new conversations with the bot run it.</Empty>}
      <ol class="flow-version-list" aria-label="Versions">
        {rows.map((v) => (
          <li data-version={v.version} class={v.published ? 'on' : ''}>
            <div>
              <strong>Version {v.version}</strong> {v.published && <Badge tone="ok">published</Badge>}
              <div class="muted small">
                made {when(v.created_at)}
                {v.published_at ? ` · last published ${when(v.published_at)}` : ''}
              </div>
            </div>
            <span class="row-actions">
              <button type="button" onClick={() => props.onCopy(v.definition)} title="Put this version in the editor (not saved)">
                Copy to draft
              </button>
              {props.canWrite && !v.published && (
                <button
                  type="button"
                  onClick={() =>
                    confirm(`Publish version ${v.version} again? New conversations will run it.`) &&
                    void call<Flow>(`/v1/flows/${f.id}/rollback`, { method: 'POST', tenant: t, body: { version: v.version } }).then((nf) => {
                      setError(undefined);
                      props.onChanged(nf);
                    }, setError)
                  }
                >
                  Roll back to this
                </button>
              )}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
