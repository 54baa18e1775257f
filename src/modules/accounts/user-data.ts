/**
 * What other modules keep about an end user (style history, feedback, files …) joins the account's
 * export and erasure through this registry: app.ts registers each module's contributor.
 */
export type UserDataContributor = {
  /** A stable name; the export's `data.<name>`. */
  name: string;
  /** Everything kept about this person, as JSON (no image bytes: links or ids). */
  export(tenantId: string, userId: string): Promise<unknown>;
  /** Erase it all; must be idempotent (a failed deletion is retried). */
  erase(tenantId: string, userId: string): Promise<void>;
};

const RESERVED = new Set(['account', 'sessions']);

export function createUserDataRegistry() {
  const contributors = new Map<string, UserDataContributor>();
  return {
    register(c: UserDataContributor) {
      if (!/^[a-z][a-z0-9_]{0,39}$/.test(c.name) || RESERVED.has(c.name)) throw new Error(`user data contributor name "${c.name}" is not allowed`);
      if (contributors.has(c.name)) throw new Error(`user data contributor "${c.name}" is registered twice`);
      contributors.set(c.name, c);
    },
    list: () => [...contributors.values()],
  };
}

export type UserDataRegistry = ReturnType<typeof createUserDataRegistry>;
