import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound, unavailable } from '../../errors.js';
import { flowInputOf } from '../../lifecycle/accept.js';
import { findReply } from '../../lifecycle/append.js';
import type { StartFlow } from '../../lifecycle/ports.js';
import type { RateLimits } from '../../limits/rate-limits.js';
import type { Logger } from '../../logger.js';
import type { Presenter } from '../../model/present.js';
import { Message } from '../../model/message.entity.js';
import type { Metrics } from '../../observability/metrics.js';

export interface RetryDeps {
  startFlow: StartFlow;
  limits: Pick<RateLimits, 'consumeSend'>;
  metrics: Pick<Metrics, 'retriesAccepted'>;
  logger: Logger;
  present: Presenter;
}

/**
 * POST /messages/:id/retry: a new attempt at a user message whose reply FAILED — a new run of its
 * flow, which reopens the same reply (regenerating it, or resending its text). 409 unless the
 * reply is FAILED; a retry already running is this one (one attempt, however many ask).
 */
export function createRetry({ startFlow, limits, metrics, logger, present }: RetryDeps) {
  return async (em: EntityManager, customerId: string, id: string) => {
    const message = await em.findOne(
      Message,
      { id, conversation: { chatbot: { customerId } } },
      { populate: ['conversation'] },
    );
    if (!message) throw notFound('Message');
    if (message.role !== 'USER') throw conflict('Only a user message can be retried (its reply is retried with it)');
    const reply = await findReply(em, id);
    if (reply?.deliveryStatus !== 'FAILED') throw conflict('Only a message whose reply FAILED can be retried');
    const dto = present.message(message);
    // A retry is a send again: the customer's limit (its chatbot's and end user's budgets count
    // new messages, and this is none).
    const admission = await limits.consumeSend({ customerId });
    const channel = message.conversation.channel;
    const flow = flowInputOf({ message: dto, chatbotId: message.conversation.chatbot.id, channel });
    const { started } = await startFlow({ ...flow, published: true }, { retry: true }).catch(async (err: unknown) => {
      await admission.refund();
      logger.warn({ messageId: id, err: String(err) }, 'retry not started');
      throw unavailable('The retry could not be started now; try again shortly');
    });
    // A retry already running is this one: it costs no budget and is not counted again.
    if (started) metrics.retriesAccepted.inc({ channel });
    else await admission.refund();
    return { message: 'Retry accepted', data: { message: dto, reply: present.message(reply) } };
  };
}

export type Retry = ReturnType<typeof createRetry>;
