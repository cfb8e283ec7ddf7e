import { ApplicationFailure } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { FailureTypes, type FlowSteps, type Route } from '../workflows/contracts.js';
import type { Lifecycle } from '../src/lifecycle/index.js';
import type { TurnFacts } from '../src/lifecycle/turns.js';
import { Message } from '../src/model/message.entity.js';
import { decideRoute } from '../src/routing/decide.js';

export const messageNotFound = (messageId: string) =>
  ApplicationFailure.nonRetryable(`Message ${messageId} not found`, FailureTypes.messageNotFound);

/** The flow's turn-taking steps: take the turn, wait for it, decide who answers, end it. */
export function createTurnSteps({ orm, lifecycle }: { orm: MikroORM; lifecycle: Lifecycle }) {
  /**
   * Who answers, decided in the message's turn (src/routing): a handoff rule hands the
   * conversation over here, so the messages after it already find it with a human.
   */
  const decide = async (facts: TurnFacts): Promise<Route> => {
    if (!facts.myTurn) return { myTurn: false };
    if (facts.role === 'AGENT') return { myTurn: true, responder: 'AGENT' };
    const route = decideRoute(facts);
    if (route.responder === 'RULE' && route.action === 'handoff') {
      const reason = `rule ${route.rule + 1} (${route.match}) asked for a human`;
      await lifecycle.changeConversationStatus(orm.em.fork(), 'handOver', facts.conversationId, reason);
    }
    return route;
  };

  return {
    async route(input) {
      const facts = await lifecycle.startTurn(input.messageId, { publish: !(input.published ?? input.announced) });
      if (!facts) throw messageNotFound(input.messageId);
      return decide(facts);
    },

    async checkTurn({ messageId }) {
      const facts = await lifecycle.readTurn(messageId);
      if (!facts) throw messageNotFound(messageId);
      if (facts.myTurn) return decide(facts);
      // Still blocked: an earlier message whose flow closed without finishing must not block it forever.
      await lifecycle.failAbandoned(await lifecycle.unfinishedBefore(facts));
      return decide((await lifecycle.readTurn(messageId))!);
    },

    finishTurn: ({ messageId }) => lifecycle.finishTurn(messageId),
    finish: ({ messageId }) => lifecycle.finishTurn(messageId),

    async handOff({ messageId, reason, endTyping }) {
      const message = await orm.em.fork().findOne(Message, messageId);
      if (!message) throw messageNotFound(messageId);
      if (endTyping) lifecycle.endLostStream(message.conversation.id);
      await lifecycle.changeConversationStatus(orm.em.fork(), 'handOver', message.conversation.id, reason);
      await lifecycle.finishTurn(messageId);
    },
  } satisfies Pick<FlowSteps, 'route' | 'checkTurn' | 'finishTurn' | 'finish' | 'handOff'>;
}
