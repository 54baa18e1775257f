/** The end user whose scope a widget session is (`user:usr_…`, platform/http/principal.ts endUserScope), or null. */
export const userOfScope = (ws: string | null): string | null => (ws?.startsWith('user:') ? ws.slice(5) : null);
