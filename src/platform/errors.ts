/**
 * One error type, one table, one handler. Throw `new AppError('TENANT_NOT_FOUND')`;
 * the table gives the HTTP status and title; the HTTP error handler writes problem+json.
 * Every code is listed in docs/errors.md (a test keeps the two in step).
 */
export const ERRORS = {
  // 400
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON' },
  IDEMPOTENCY_KEY_INVALID: { status: 400, title: 'The Idempotency-Key header is not valid' },
  // 401
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  INVALID_API_KEY: { status: 401, title: 'The API key is not valid' },
  API_KEY_REVOKED: { status: 401, title: 'The API key was revoked' },
  API_KEY_EXPIRED: { status: 401, title: 'The API key has expired' },
  INVALID_CREDENTIALS: { status: 401, title: 'Email or password is wrong' },
  INVALID_TOKEN: { status: 401, title: 'The token is not valid or has expired' },
  REFRESH_TOKEN_REUSED: { status: 401, title: 'The refresh token was already used; the session was ended' },
  // 403
  FORBIDDEN: { status: 403, title: 'You are not allowed to do this' },
  PUBLISHABLE_KEY_NOT_ALLOWED: { status: 403, title: 'A publishable key cannot be used on this endpoint' },
  ORIGIN_NOT_ALLOWED: { status: 403, title: 'This origin is not allowed for the key' },
  TENANT_INACTIVE: { status: 403, title: 'The tenant is deactivated' },
  // 404
  NOT_FOUND: { status: 404, title: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such endpoint' },
  TENANT_NOT_FOUND: { status: 404, title: 'Tenant not found' },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  UPLOAD_NOT_FOUND: { status: 404, title: 'Upload not found' },
  TRYON_NOT_FOUND: { status: 404, title: 'Try-on not found' },
  GENERATION_NOT_FOUND: { status: 404, title: 'Generation not found' },
  STYLE_ANALYSIS_NOT_FOUND: { status: 404, title: 'Style analysis not found' },
  STYLE_FEEDBACK_NOT_FOUND: { status: 404, title: 'Style feedback not found' },
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
  SAVED_PRODUCT_NOT_FOUND: { status: 404, title: 'The product is not among the saved ones' },
  USER_FILE_NOT_FOUND: { status: 404, title: 'File not found' },
  FILE_NOT_FOUND: { status: 404, title: 'The file does not exist or its link has expired' },
  CACHE_NAMESPACE_NOT_FOUND: { status: 404, title: 'No such cache namespace' },
  UPLOAD_GONE: { status: 410, title: 'The upload was deleted or has expired' },
  TRYON_NOT_CANCELABLE: { status: 409, title: 'The try-on has already finished' },
  GENERATION_NOT_CANCELABLE: { status: 409, title: 'The generation has already finished' },
  STYLE_ANALYSIS_NOT_FINISHED: { status: 409, title: 'The style analysis has not succeeded' },
  STYLE_FEEDBACK_EXISTS: { status: 409, title: 'This widget session already gave feedback on the analysis' },
  // 405/408/409/413/415/422
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  EMAIL_TAKEN: { status: 409, title: 'A user with this email already exists' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request was not received in time' },
  BODY_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  URI_TOO_LONG: { status: 414, title: 'The URL is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  WEAK_PASSWORD: { status: 422, title: 'The password is too weak' },
  // images and outgoing fetches (platform/images, platform/net)
  INVALID_DATA_URL: { status: 400, title: 'The data URL is not valid' },
  URL_NOT_ALLOWED: { status: 400, title: 'The URL is not allowed' },
  IMAGE_TOO_LARGE: { status: 413, title: 'The image is too large' },
  IMAGE_TOO_MANY_PIXELS: { status: 413, title: 'The image has too many pixels' },
  REMOTE_TOO_LARGE: { status: 413, title: 'The remote resource is too large' },
  UNSUPPORTED_IMAGE_TYPE: { status: 415, title: 'The image type is not supported' },
  IMAGE_UNREADABLE: { status: 422, title: 'The image is corrupt or cannot be read' },
  FETCH_FAILED: { status: 422, title: 'The remote resource could not be fetched' },
  FETCH_TIMEOUT: { status: 422, title: 'The remote server did not answer in time' },
  // catalog products (modules/catalog)
  PRODUCT_INACTIVE: { status: 422, title: 'The product is not active' },
  // image generation (modules/generation)
  PROVIDER_NOT_CONFIGURED: { status: 422, title: 'The requested provider is not configured' },
  GENERATION_PROVIDER_NOT_CONFIGURED: { status: 503, title: 'No image generation provider is configured' },
  // style analysis (modules/style)
  STYLE_ANALYSER_UNAVAILABLE: { status: 503, title: 'The offline style analyser is not available' },
  STYLE_ANALYSIS_NO_COLOR: { status: 422, title: 'The style analysis has no colour answer' },
  // style: quiz, colour matching (modules/style)
  QUIZ_ANSWER_INVALID: { status: 400, title: 'A quiz answer names no such question or option' },
  // end users (modules/accounts)
  RESET_TOKEN_INVALID: { status: 400, title: 'The password reset link is not valid, was used, or has expired' },
  SESSION_NOT_FOUND: { status: 404, title: 'Session not found' },
  // single sign-on (modules/sso)
  PASSWORD_LOGIN_DISABLED: { status: 403, title: 'Password sign-in is switched off for this store' },
  SSO_PROVIDER_NOT_FOUND: { status: 404, title: 'Sign-in provider not found' },
  SSO_PROVIDER_EXISTS: { status: 409, title: 'A sign-in provider with this id already exists' },
  SSO_DISCOVERY_FAILED: { status: 422, title: 'The identity provider’s discovery document could not be read' },
  SSO_PROVIDER_UNAVAILABLE: { status: 503, title: 'The identity provider could not be reached' },
  SSO_STATE_INVALID: { status: 400, title: 'The sign-in attempt is not valid or has expired' },
  SSO_FAILED: { status: 401, title: 'The identity provider’s answer was refused' },
  SSO_EMAIL_NOT_VERIFIED: { status: 403, title: 'The identity provider has not verified this email' },
  SSO_USER_UNKNOWN: { status: 403, title: 'No account or invitation has this email' },
  SSO_DOMAIN_NOT_ALLOWED: { status: 403, title: 'Sign-in from this email domain is not allowed' },
  SSO_CODE_INVALID: { status: 400, title: 'The sign-in code is not valid, was used, or has expired' },
  // mail (platform/mail)
  MAIL_NOT_SENT: { status: 503, title: 'The mail server did not take the message' },
  QUIZ_RESULT_NOT_FOUND: { status: 404, title: 'Quiz result not found' },
  // conversational commerce (modules/commerce)
  BOT_NOT_FOUND: { status: 404, title: 'Bot not found' },
  CONNECTION_NOT_FOUND: { status: 404, title: 'Channel connection not found' },
  CONVERSATION_NOT_FOUND: { status: 404, title: 'Conversation not found' },
  FLOW_NOT_FOUND: { status: 404, title: 'Flow not found' },
  FLOW_VERSION_NOT_FOUND: { status: 404, title: 'The flow has no such version' },
  FLOW_SESSION_NOT_FOUND: { status: 404, title: 'Flow session not found' },
  FLOW_BOT_TAKEN: { status: 409, title: 'Another flow drives this bot' },
  FLOW_INVALID: { status: 422, title: 'The flow is not valid' },
  CHANNEL_PROVIDER_UNAVAILABLE: { status: 422, title: 'The channel provider is not available on this server' },
  CHANNEL_CREDENTIALS_INVALID: { status: 422, title: 'The channel credentials are incomplete or malformed' },
  CONNECTION_NOT_LINKABLE: { status: 422, title: 'The connection is not a linked device' },
  SIMULATOR_NOT_CONNECTED: { status: 422, title: 'The bot has no simulator connection' },
  MESSAGE_CONTENT_INVALID: { status: 422, title: 'The message breaks WhatsApp’s limits' },
  OUTSIDE_WINDOW: { status: 422, title: 'Outside the 24-hour window only a template may be sent' },
  OPTED_OUT: { status: 422, title: 'The contact has opted out of these messages' },
  NO_CHANNEL_AVAILABLE: { status: 422, title: 'No connection of the bot may send this message' },
  INVALID_HANDOVER: { status: 409, title: 'The conversation cannot be handed over that way' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, title: 'The webhook signature is missing or wrong' },
  WEBHOOK_VERIFICATION_FAILED: { status: 403, title: 'The webhook verification was refused' },
  WEBHOOK_PAYLOAD_INVALID: { status: 400, title: 'The webhook body is malformed' },
  // commerce: orders and sellers (modules/commerce/orders)
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found' },
  SELLER_NOT_FOUND: { status: 404, title: 'Seller not found' },
  OUT_OF_STOCK: { status: 409, title: 'Not enough stock for an item' },
  INVALID_ORDER_TRANSITION: { status: 409, title: 'The order cannot move to this status' },
  ORDER_NOT_EDITABLE: { status: 409, title: 'The order can no longer be changed this way' },
  SELLER_PHONE_TAKEN: { status: 409, title: 'Another seller has this phone number' },
  ORDER_ITEM_INVALID: { status: 422, title: 'An order item cannot be ordered' },
  SELLER_NOT_ASSIGNABLE: { status: 422, title: 'The seller does not exist or is inactive' },
  // photo pre-check (modules/perception)
  PHOTO_REJECTED: { status: 422, title: 'The photo cannot be used for a try-on' },
  // 429
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  QUOTA_EXCEEDED: { status: 429, title: 'The monthly generation quota is used up' },
  // 5xx
  INTERNAL: { status: 500, title: 'Internal server error' },
  OVERLOADED: { status: 503, title: 'The server is overloaded; retry shortly' },
  NOT_READY: { status: 503, title: 'A dependency is not reachable' },
  COMPAT_TENANT_UNAVAILABLE: { status: 503, title: 'The default tenant of the older Style API is not available' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extra members of the problem document (e.g. `errors` for validation, `retry_after`). */
  readonly extra: Record<string, unknown> | undefined;
  /** Response headers to set (e.g. Retry-After). */
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail?: string, opts: { extra?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {}) {
    const entry = ERRORS[code];
    super(detail ?? entry.title, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.extra = opts.extra;
    this.headers = opts.headers;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const problemType = (code: string) => `https://probador.dev/errors#${code.toLowerCase().replace(/_/g, '-')}`;
