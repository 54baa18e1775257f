/**
 * The flow DSL of conversational commerce (issue 23): a bot's conversation as JSON steps, with
 * WhatsApp's limits built in. Pure TypeBox, no server imports. A definition is checked in two
 * passes (src/modules/commerce/flows/validate.ts): each step against the schema of its `type`
 * below, then the graph (every `next` names a step, every step reachable, no loop that never
 * waits for the shopper) and WhatsApp's limits (3 buttons, 10 list rows, label lengths). Errors
 * are located by JSON pointer (`/steps/3/input/options/1/label`).
 *
 * Text fields are templates: `{{name}}` is a variable of the session, `{{contact.name}}`,
 * `{{contact.phone}}`, `{{bot.name}}`, `{{order.id}}`… (dotted paths into objects saved by
 * `save_as`); an unknown variable renders as the empty string.
 */
import Type, { type Static } from 'typebox';
import { StringEnum, Timestamp, NullableTimestamp } from './common.js';

export const STEP_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const StepId = Type.String({ pattern: STEP_ID_PATTERN, description: 'A step id, unique in the flow' });
/** Where to go next; null ends the session (like an `end` step). */
const Next = Type.Union([StepId, Type.Null()]);
const VarName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', description: 'A session variable' });
/** A variable path: `qty`, `order.id`, `contact.name`, `api.data.url`. */
const VarPath = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z0-9_]{1,64}){0,8}$' });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });

// ---------------------------------------------------------------- messages

const Button = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), title: Text(200, 'At most 20 characters once rendered') }, { additionalProperties: false });
const Row = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 200 }), title: Text(200, 'At most 24 characters once rendered'), description: Type.Optional(Type.String({ maxLength: 400 })) },
  { additionalProperties: false },
);

export const FlowMessageContent = Type.Union([
  Type.Object({ kind: Type.Literal('text'), text: Text(4096) }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('media'), media_kind: StringEnum(['image', 'video', 'audio', 'document'] as const), url: Text(2048, 'An https URL (or a {{variable}} holding one)'), caption: Type.Optional(Type.String({ maxLength: 1024 })) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('buttons'), body: Text(1024), header: Type.Optional(Type.String({ maxLength: 60 })), footer: Type.Optional(Type.String({ maxLength: 60 })), buttons: Type.Array(Button, { minItems: 1, maxItems: 10 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('list'),
      body: Text(4096),
      button: Text(60),
      header: Type.Optional(Type.String({ maxLength: 60 })),
      footer: Type.Optional(Type.String({ maxLength: 60 })),
      sections: Type.Array(Type.Object({ title: Type.Optional(Type.String({ maxLength: 60 })), rows: Type.Array(Row, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('product'), product: Text(200, 'A product id (prd_…) or a {{variable}} holding one'), body: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('product_list'),
      header: Text(60),
      body: Text(1024),
      /** Product ids; or none to show the catalog's first products (up to `limit`). */
      products: Type.Optional(Type.Array(Text(200), { maxItems: 60 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('link'), body: Text(1024), label: Text(60, 'At most 20 characters once rendered'), url: Text(2048) }, { additionalProperties: false }),
]);
export type TFlowMessageContent = Static<typeof FlowMessageContent>;

// ---------------------------------------------------------------- conditions

export const CONDITION_OPS = ['equals', 'not_equals', 'contains', 'not_contains', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_empty', 'matches', 'starts_with', 'ends_with'] as const;
export const Condition = Type.Object(
  {
    var: VarPath,
    op: StringEnum(CONDITION_OPS),
    /** Not used by is_set / is_empty; a regular expression for matches; a template otherwise. */
    value: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()])),
  },
  { additionalProperties: false },
);
export type TCondition = Static<typeof Condition>;
export const ConditionGroup = Type.Object(
  { all: Type.Optional(Type.Array(Condition, { minItems: 1, maxItems: 20 })), any: Type.Optional(Type.Array(Condition, { minItems: 1, maxItems: 20 })) },
  { additionalProperties: false, description: 'All of `all` and at least one of `any` (either may be left out, not both)' },
);

// ---------------------------------------------------------------- steps

const Common = { id: StepId, title: Type.Optional(Type.String({ maxLength: 120, description: 'A label for the editor' })) };
const OnError = Type.Optional(Type.Union([StepId, Type.Null()], { description: 'Where to go when the step fails; default: the session ends and the conversation goes to the inbox' }));

/** What every step that waits for the shopper has: retries with a message, and a timeout with its own next step. */
const Waits = {
  retry: Type.Optional(Type.Object({ max: Type.Integer({ minimum: 0, maximum: 10 }), message: Text(1024) }, { additionalProperties: false })),
  timeout_seconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 7 * 24 * 3600 })),
  on_timeout: Type.Optional(Next),
};

export const QUESTION_KINDS = ['text', 'number', 'email', 'phone', 'date', 'choice', 'product', 'image', 'location'] as const;
const ChoiceOption = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), label: Text(200, 'At most 20 characters (3 options or fewer: buttons) or 24 (a list)'), description: Type.Optional(Type.String({ maxLength: 400 })), next: Type.Optional(Next) },
  { additionalProperties: false },
);

export const MessageStep = Type.Object({ ...Common, type: Type.Literal('message'), content: FlowMessageContent, next: Next }, { additionalProperties: false });
export const QuestionStep = Type.Object(
  {
    ...Common,
    type: Type.Literal('question'),
    prompt: Text(1024, 'What is asked (a template)'),
    input: Type.Object(
      {
        kind: StringEnum(QUESTION_KINDS),
        /** number: the bounds; text: the length bounds. */
        min: Type.Optional(Type.Number()),
        max: Type.Optional(Type.Number()),
        /** text: a regular expression the answer must match. */
        pattern: Type.Optional(Type.String({ maxLength: 300 })),
        /** choice: the options (3 or fewer as reply buttons, else a list of up to 10). */
        options: Type.Optional(Type.Array(ChoiceOption, { minItems: 1, maxItems: 10 })),
        /** choice / product as a list: the list's button label. */
        button: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
        /** product: offer at most this many products of the catalog (a list; default 10). */
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
      },
      { additionalProperties: false },
    ),
    save_as: Type.Optional(VarName),
    ...Waits,
    /** After the retries: where to go (default: the session ends and the conversation goes to the inbox). */
    on_invalid: Type.Optional(Next),
    next: Type.Optional(Next),
  },
  { additionalProperties: false },
);
export const DecisionStep = Type.Object(
  { ...Common, type: Type.Literal('decision'), branches: Type.Array(Type.Object({ when: ConditionGroup, next: Next }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }), else: Next },
  { additionalProperties: false },
);

export const FLOW_ACTIONS = ['set', 'cart.add', 'cart.remove', 'cart.clear', 'order.create', 'order.status', 'assign', 'handover', 'tag', 'opt_out', 'jump'] as const;
export const ActionStep = Type.Object(
  {
    ...Common,
    type: Type.Literal('action'),
    action: StringEnum(FLOW_ACTIONS),
    /**
     * set: {var, value}; cart.add: {product, quantity?, variant?}; cart.remove: {product};
     * order.create: {notes?} (from the session's cart; saves {id, status, total, currency, payment_url});
     * order.status: {order?} (default the session's last order; saves {id, status}); assign:
     * {seller}; handover: {seller?, note?}; tag: {tag}; opt_out: {category: marketing|all};
     * jump: {flow} (another flow's published version). Values are templates.
     */
    args: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z_]{1,40}$' }), Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]), { maxProperties: 10 })),
    save_as: Type.Optional(VarName),
    on_error: OnError,
    next: Type.Optional(Next),
  },
  { additionalProperties: false },
);
export const ApiCallStep = Type.Object(
  {
    ...Common,
    type: Type.Literal('api_call'),
    request: Type.Object(
      {
        method: StringEnum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const),
        url: Text(2048, 'https (the platform’s network policy applies: no private addresses)'),
        headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 2000 }), { maxProperties: 20 })),
        /** JSON: strings in it are templates. */
        body: Type.Optional(Type.Unknown()),
        timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
      },
      { additionalProperties: false },
    ),
    save_as: Type.Optional(VarName),
    /** A dotted path into the JSON answer to keep (`data.url`); default the whole answer. */
    save_path: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}(\\.[A-Za-z0-9_]{1,64}){0,8}$' })),
    on_error: OnError,
    next: Type.Optional(Next),
  },
  { additionalProperties: false },
);
export const TryonStep = Type.Object(
  {
    ...Common,
    type: Type.Literal('tryon'),
    /** The product to try on (prd_… or a {{variable}}). */
    product: Text(200),
    prompt: Text(1024, 'Asks for a photo of the shopper'),
    /** Sent with the result image. */
    caption: Type.Optional(Type.String({ maxLength: 1024 })),
    ...Waits,
    save_as: Type.Optional(VarName),
    on_error: OnError,
    next: Type.Optional(Next),
  },
  { additionalProperties: false },
);
export const StyleStep = Type.Object(
  {
    ...Common,
    type: Type.Literal('style'),
    prompt: Text(1024, 'Asks for a selfie'),
    /** How many products of the catalog that suit the season to send (0: none). */
    products: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    ...Waits,
    save_as: Type.Optional(VarName),
    on_error: OnError,
    next: Type.Optional(Next),
  },
  { additionalProperties: false },
);
export const EndStep = Type.Object({ ...Common, type: Type.Literal('end'), message: Type.Optional(Text(4096)) }, { additionalProperties: false });

export const STEP_TYPES = ['message', 'question', 'decision', 'action', 'api_call', 'tryon', 'style', 'end'] as const;
export type StepType = (typeof STEP_TYPES)[number];
/** The schema of each step type (the validator checks a step against its own type's schema). */
export const STEP_SCHEMAS = { message: MessageStep, question: QuestionStep, decision: DecisionStep, action: ActionStep, api_call: ApiCallStep, tryon: TryonStep, style: StyleStep, end: EndStep } as const;
export const FlowStep = Type.Union([MessageStep, QuestionStep, DecisionStep, ActionStep, ApiCallStep, TryonStep, StyleStep, EndStep]);
export type TFlowStep = Static<typeof FlowStep>;
export type StepOf<T extends StepType> = Extract<TFlowStep, { type: T }>;

export const FlowSettings = Type.Object(
  {
    /** A session idle this long ends (expired); the next message starts again. Default 1440 (24 h). */
    session_ttl_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 24 * 60 })),
    /** Messages of a burst closer than this are run together, in order. Default 1200 ms. */
    debounce_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    /** Start again from the first step (case and accents ignored). Default: none. */
    restart_keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 })),
    /** End the session; the conversation goes to the inbox. Default: none. */
    exit_keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 })),
    /** Said when an answer is not valid and the question has no retry message. */
    invalid_message: Type.Optional(Text(1024)),
  },
  { additionalProperties: false },
);

export const FlowDefinition = Type.Object(
  {
    start: StepId,
    steps: Type.Array(FlowStep, { minItems: 1, maxItems: 300 }),
    /** Declared variables with their initial values (any other `save_as` is declared by use). */
    variables: Type.Optional(Type.Array(Type.Object({ name: VarName, value: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()])) }, { additionalProperties: false }), { maxItems: 100 })),
    settings: Type.Optional(FlowSettings),
    /** The editor's coordinates of each step (ignored by the engine). */
    layout: Type.Optional(Type.Record(Type.String({ pattern: STEP_ID_PATTERN }), Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false }), { maxProperties: 300 })),
  },
  { additionalProperties: false },
);
export type TFlowDefinition = Static<typeof FlowDefinition>;

// ---------------------------------------------------------------- validation

export const FLOW_ERROR_CODES = [
  'SCHEMA',
  'DUPLICATE_STEP_ID',
  'UNKNOWN_STEP',
  'UNREACHABLE_STEP',
  'LOOP_WITHOUT_WAIT',
  'WHATSAPP_LIMIT',
  'UNKNOWN_VARIABLE',
  'INVALID_PATTERN',
] as const;
export const FlowIssue = Type.Object(
  {
    code: StringEnum(FLOW_ERROR_CODES),
    /** A JSON pointer into the definition. */
    path: Type.String(),
    /** The step it is about, when it is about one. */
    step_id: Type.Optional(Type.String()),
    message: Type.String(),
  },
  { $id: 'FlowIssue' },
);
export type TFlowIssue = Static<typeof FlowIssue>;
export const ValidationResult = Type.Object({ valid: Type.Boolean(), errors: Type.Array(Type.Ref('FlowIssue')), warnings: Type.Array(Type.Ref('FlowIssue')) });

// ---------------------------------------------------------------- resources

export const Flow = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('flow'),
    name: Type.String(),
    bot_id: Type.Union([Type.String(), Type.Null()]),
    /** The version that runs (null: none published). */
    published_version: Type.Union([Type.Integer(), Type.Null()]),
    latest_version: Type.Union([Type.Integer(), Type.Null()]),
    /** The draft being edited (what the next publish makes a version); saved as given, valid or not. */
    draft: Type.Unknown({ description: 'A FlowDefinition, possibly with errors (see draft_errors)' }),
    draft_valid: Type.Boolean(),
    /** The draft's validation errors (at most 100). */
    draft_errors: Type.Array(Type.Ref('FlowIssue')),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Flow' },
);
export const FlowVersion = Type.Object(
  { object: Type.Literal('flow_version'), flow_id: Type.String(), version: Type.Integer(), definition: FlowDefinition, published: Type.Boolean(), created_at: Timestamp, published_at: NullableTimestamp },
  { $id: 'FlowVersion' },
);

const FlowName = Type.String({ minLength: 1, maxLength: 200 });
const DraftBody = Type.Unknown({ description: 'A FlowDefinition (saved even with errors; publishing needs none)' });
export const CreateFlowBody = Type.Object(
  { name: FlowName, bot_id: Type.Optional(Type.Union([Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$' }), Type.Null()])), definition: Type.Optional(DraftBody) },
  { additionalProperties: false },
);
export const PatchFlowBody = Type.Object(
  { name: Type.Optional(FlowName), bot_id: Type.Optional(Type.Union([Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$' }), Type.Null()])), definition: Type.Optional(DraftBody) },
  { additionalProperties: false },
);
export const ValidateFlowBody = Type.Object({ definition: DraftBody }, { additionalProperties: false });
export const RollbackFlowBody = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

/** A shopper's input in a test script: a text, a button or list choice, a photo (data URL), a location, or the current question timing out. */
export const TestInput = Type.Union([
  Type.String({ minLength: 1, maxLength: 4096 }),
  Type.Object({ reply: Type.String({ minLength: 1, maxLength: 256, description: 'A button or list row id' }) }, { additionalProperties: false }),
  Type.Object({ image: Type.String({ maxLength: 14_000_000, description: 'A data: URL of a photo' }) }, { additionalProperties: false }),
  Type.Object({ location: Type.Object({ latitude: Type.Number({ minimum: -90, maximum: 90 }), longitude: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false }) }, { additionalProperties: false }),
  Type.Object({ timeout: Type.Literal(true) }, { additionalProperties: false }),
]);
export const TestFlowBody = Type.Object(
  {
    inputs: Type.Array(TestInput, { maxItems: 100 }),
    /** `draft` (default) or a version number. */
    version: Type.Optional(Type.Union([Type.Literal('draft'), Type.Integer({ minimum: 1 })])),
    contact: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), phone: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export const TranscriptEntry = Type.Object({
  from: StringEnum(['shopper', 'bot', 'system'] as const),
  /** The message as sent (provider-neutral content), or for `system` what happened (handover, order, timeout). */
  content: Type.Unknown(),
  step_id: Type.Union([Type.String(), Type.Null()]),
});
export const TestFlowResult = Type.Object({
  transcript: Type.Array(TranscriptEntry),
  session: Type.Object({ status: Type.String(), step_id: Type.String(), waiting: Type.Boolean(), variables: Type.Record(Type.String(), Type.Unknown()), cart: Type.Array(Type.Unknown()), end_reason: Type.Union([Type.String(), Type.Null()]) }),
  visited: Type.Array(Type.String()),
});

export const FlowSession = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('flow_session'),
    flow_id: Type.String(),
    flow_version: Type.Integer(),
    bot_id: Type.String(),
    conversation_id: Type.String(),
    contact_id: Type.String(),
    status: StringEnum(['active', 'completed', 'expired', 'exited', 'handed_over', 'failed'] as const),
    step_id: Type.String(),
    waiting: Type.Boolean(),
    variables: Type.Record(Type.String(), Type.Unknown()),
    cart: Type.Array(Type.Unknown()),
    started_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    ended_at: NullableTimestamp,
    end_reason: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'FlowSession' },
);
