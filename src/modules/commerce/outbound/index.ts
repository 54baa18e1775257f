/** The outbound part of the commerce module: queueing, the send plan (WhatsApp's rules), the send job with fallback, sends whose answer was lost. */
export { queueOutbound, sendInOrder, storableContent, SEND_JOB, type SendJobPayload } from './queue.js';
export { planSend, resolveTemplate, type Category, type Plan } from './plan.js';
export { createSendJob } from './send-job.js';
export { adoptLostSend } from './in-flight.js';
