export function startShop(opts: { api: string; key: string; userToken?: string; port?: number }): Promise<{ url: string; close: () => Promise<void> }>;
