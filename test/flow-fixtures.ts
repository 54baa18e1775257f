/** The shop flow of the reference notes (welcome → menu → product → quantity → decision → order → payment link → handover), for the flow tests and the flow editor's browser test; `url`: the payment API it calls. */
export function shopFlow(url: string) {
  return {
    start: 'welcome',
    settings: { debounce_ms: 0, restart_keywords: ['menu'], exit_keywords: ['salir'] },
    steps: [
      { id: 'welcome', type: 'message', content: { kind: 'text', text: 'Hi {{contact.name}}! Welcome to the shop.' }, next: 'menu' },
      {
        id: 'menu',
        type: 'question',
        prompt: 'What would you like?',
        input: { kind: 'choice', options: [{ id: 'buy', label: 'Buy', next: 'pick' }, { id: 'human', label: 'Talk to someone', next: 'handover' }] },
        save_as: 'choice',
        timeout_seconds: 10,
        on_timeout: 'bye',
      },
      { id: 'bye', type: 'end', message: 'Write again whenever you like.' },
      { id: 'pick', type: 'question', prompt: 'Which one?', input: { kind: 'product', limit: 5 }, save_as: 'sku', next: 'qty' },
      { id: 'qty', type: 'question', prompt: 'How many?', input: { kind: 'number', min: 1, max: 99 }, save_as: 'qty', retry: { max: 2, message: 'Please send a number from 1 to 99.' }, next: 'check' },
      { id: 'check', type: 'decision', branches: [{ when: { all: [{ var: 'qty', op: 'lte', value: 10 }] }, next: 'add' }], else: 'handover' },
      { id: 'add', type: 'action', action: 'cart.add', args: { product: '{{sku}}', quantity: '{{qty}}' }, next: 'order' },
      { id: 'order', type: 'action', action: 'order.create', save_as: 'order', on_error: 'sorry', next: 'pay' },
      { id: 'sorry', type: 'message', content: { kind: 'text', text: 'Sorry: {{error}}' }, next: 'handover' },
      { id: 'pay', type: 'api_call', request: { method: 'POST', url, body: { order: '{{order.id}}', amount: '{{order.total}}' }, timeout_ms: 3000 }, save_as: 'pay', on_error: 'handover', next: 'link' },
      { id: 'link', type: 'message', content: { kind: 'link', body: 'Order {{order.id}}: {{order.total_text}}', label: 'Pay', url: '{{pay.url}}' }, next: 'handover' },
      { id: 'handover', type: 'action', action: 'handover', next: 'after' },
      { id: 'after', type: 'message', content: { kind: 'text', text: 'Back with the bot. Anything else?' }, next: null },
    ],
  };
}
