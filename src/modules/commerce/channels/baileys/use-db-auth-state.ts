/**
 * Baileys' `AuthenticationState` over an `AuthPort` (read/write/clear of BufferJSON text): the
 * database-backed replacement for `useMultiFileAuthState`. In the worker the port is a message
 * channel to the main thread (worker.ts), which answers from an `AuthStore` (auth-store.ts); a
 * main-thread caller can bind it to a store directly (`storePort`). Credentials are the row
 * `kind = 'creds'`, `key_id = ''`; every Signal key is a row of its type.
 */
import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds, type AuthenticationState, type SignalDataSet, type SignalDataTypeMap } from 'baileys';
import type { AuthStore, AuthWrite } from './auth-store.js';

export type AuthPort = {
  read(kind: string, keyIds: string[]): Promise<Record<string, string>>;
  write(writes: AuthWrite[]): Promise<void>;
  clear(): Promise<void>;
};

export const CREDS_KIND = 'creds';

/** A port answered by a store in the same thread. */
export function storePort(store: AuthStore, tenantId: string, connectionId: string): AuthPort {
  return {
    read: (kind, ids) => store.read(tenantId, connectionId, kind, ids),
    write: (writes) => store.write(tenantId, connectionId, writes),
    clear: () => store.clear(tenantId, connectionId),
  };
}

export const encodeAuthValue = (v: unknown): string => JSON.stringify(v, BufferJSON.replacer);
export const decodeAuthValue = (s: string): unknown => JSON.parse(s, BufferJSON.reviver) as unknown;

/** The state to give `makeWASocket({ auth })`, `saveCreds` for `creds.update`, and `clear` for logout. */
export async function useDbAuthState(port: AuthPort): Promise<{ state: AuthenticationState; saveCreds: () => Promise<void>; clear: () => Promise<void> }> {
  const stored = (await port.read(CREDS_KIND, ['']))[''];
  const creds: AuthenticationCreds = stored ? (decodeAuthValue(stored) as AuthenticationCreds) : initAuthCreds();
  // Saved at once: a restarted worker keeps the same device keys (and so the same QR identity).
  if (!stored) await port.write([{ kind: CREDS_KIND, keyId: '', value: encodeAuthValue(creds) }]);
  return {
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          const rows = await port.read(type, ids);
          const out: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const id of ids) {
            const raw = rows[id];
            if (raw === undefined) continue;
            let value = decodeAuthValue(raw);
            if (type === 'app-state-sync-key' && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>);
            out[id] = value as SignalDataTypeMap[T];
          }
          return out;
        },
        async set(data: SignalDataSet) {
          const writes: AuthWrite[] = [];
          for (const [kind, byId] of Object.entries(data)) {
            for (const [keyId, value] of Object.entries(byId ?? {})) writes.push({ kind, keyId, value: value === null || value === undefined ? null : encodeAuthValue(value) });
          }
          await port.write(writes);
        },
        clear: () => port.clear(),
      },
    },
    saveCreds: () => port.write([{ kind: CREDS_KIND, keyId: '', value: encodeAuthValue(creds) }]),
    clear: () => port.clear(),
  };
}
