import type { MikroORM } from '@mikro-orm/postgresql';
import { Message, toMessageDto } from '../model/message.entity.js';
import type { Publisher } from './ports.js';
import { markStarted, type TurnFacts } from './turns.js';

/**
 * startTurn: the flow takes its message off the outbox (QUEUED → STARTED) and learns, in the
 * same statement, whether every earlier message finished its turn. `publish`: publish the message
 * now (the flow's first step does when the accepting process did not: the outbox started it).
 * Undefined: no such message.
 */
export function createStartTurn({ orm, publisher }: { orm: MikroORM; publisher: Publisher }) {
  return async (messageId: string, options: { publish: boolean }): Promise<TurnFacts | undefined> => {
    const em = orm.em.fork();
    const facts = await markStarted(em, messageId);
    if (facts && options.publish) publisher.message(toMessageDto(await em.findOneOrFail(Message, messageId)));
    return facts;
  };
}
