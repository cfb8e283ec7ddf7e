import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { Message, toMessageDto } from '../model/message.entity.js';
import { saveReplyOnce } from './append.js';
import { publicFailure, type PublicFailure } from './failure-reasons.js';
import type { WakeNext } from './finish-turn.js';
import type { Publisher } from './ports.js';
import { sqlIn } from './statuses.js';
import { endLostStream } from './stream.js';
import { TRANSITIONS } from './table.js';
import { markFinished } from './turns.js';

export interface Failure {
  messageId: string;
  /** The id a new FAILED reply gets (every attempt of a flow passes the same one). */
  replyId: string;
  /** The failure type (FailureTypes); clients see its public sentence. */
  type: string;
  /** The raw detail: logged, never published. */
  reason: string;
  /** Publish `typing false` too: the stream that said `typing true` died before it could. */
  endTyping?: boolean;
}

const FAILED = TRANSITIONS.fail.status.to;

/** fail's guarded UPDATE of an existing message: PENDING → FAILED, its public reason in `metadata.error`. */
async function markFailed(tx: EntityManager, messageId: string, error: PublicFailure): Promise<boolean> {
  const rows = await tx.execute(
    `update message set delivery_status = ?, updated_at = now(), metadata = metadata || jsonb_build_object('error', ?::jsonb)
      where id = ? and delivery_status in ${sqlIn('fail')} returning id`,
    [FAILED, JSON.stringify(error), messageId],
  );
  return rows.length === 1;
}

/**
 * fail: the flow gave up on a message. In one transaction its turn is FINISHED and the reply
 * becomes FAILED with the public reason in `metadata.error` — a PENDING one keeping its text (a
 * retry can deliver it), else a new empty reply; an agent's message is itself what failed. Then
 * it publishes what changed and wakes the next message. The raw reason is logged only. Safe to
 * repeat: a reply already SENT or FAILED stays as it is. Undefined: no such message.
 */
export function createFail(deps: { orm: MikroORM; publisher: Publisher; logger: Logger; wakeNext: WakeNext }) {
  const { orm, publisher, logger, wakeNext } = deps;
  return async (input: Failure): Promise<{ replyId: string } | undefined> => {
    const em = orm.em.fork();
    const message = await em.findOne(Message, input.messageId);
    if (!message) return undefined;
    const conversationId = message.conversation.id;
    const error = publicFailure(input.type, input.reason);
    logger.warn({ messageId: input.messageId, conversationId, type: input.type, reason: input.reason }, 'reply failed');
    if (input.endTyping) endLostStream(publisher, conversationId);

    // Locks are taken in the order saveAnswer takes them (the conversation, then the message), so
    // a late attempt saving an answer and this failure never wait on each other in a circle.
    const outcome = await em.transactional(async (tx) => {
      if (message.role === 'AGENT') {
        // An agent's message is its own reply: it is what failed to go out.
        const failed = await markFailed(tx, message.id, error);
        return { finished: await markFinished(tx, message.id), reply: message, created: false, failed };
      }
      const { reply, created } = await saveReplyOnce(tx, {
        id: input.replyId,
        conversationId,
        role: 'ASSISTANT',
        content: '',
        deliveryStatus: FAILED,
        metadata: { error },
        replyToId: message.id,
      });
      const failed = created || (await markFailed(tx, reply.id, error));
      return { finished: await markFinished(tx, message.id), reply, created, failed };
    });

    const { reply } = outcome;
    if (outcome.created) publisher.message(toMessageDto(reply));
    if (outcome.failed) publisher.status({ messageId: reply.id, conversationId, status: FAILED });
    if (outcome.finished) await wakeNext(outcome.finished);
    return { replyId: reply.id };
  };
}

export type Fail = ReturnType<typeof createFail>;
