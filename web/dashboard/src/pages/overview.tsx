import { TryonFigures, usePeriod } from './figures';
import { Empty } from '../components';

export function NextSteps(props: { tenant: string }) {
  const base = `/dashboard/t/${props.tenant}`;
  return (
    <Empty title="No try-ons yet — here is how to get the first one">
      <ol>
        <li>
          Create a <strong>publishable key</strong> on <a href={`${base}/keys`}>API keys</a>.
        </li>
        <li>
          Add your shop's address (for example <code>https://shop.example</code>) to the <strong>allowed origins</strong>, and choose colours and language in <a href={`${base}/widget`}>Widget settings</a>.
        </li>
        <li>
          Paste the widget tag into your product pages: <code>{'<script src="/widget/v1/widget.js" data-key="pk_live_…" async></script>'}</code>
        </li>
        <li>
          Optional: get notified of every result with a <a href={`${base}/webhooks`}>webhook</a>.
        </li>
      </ol>
    </Empty>
  );
}

export function Overview(props: { tenant: string }) {
  const [period, setPeriod] = usePeriod('24h');
  return (
    <>
      <h1>Overview</h1>
      <TryonFigures path="/v1/analytics/tryons" tenant={props.tenant} period={period} onPeriod={setPeriod} empty={<NextSteps tenant={props.tenant} />} />
    </>
  );
}
