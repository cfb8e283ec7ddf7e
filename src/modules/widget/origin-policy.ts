import type { MikroORM } from '@mikro-orm/postgresql';
import type { OriginPolicy } from '../../http/cors.js';

/**
 * The sites allowed to call, read from the chatbots' `widget.allowedOrigins` at each request (an
 * index answers both questions; a browser caches a preflight's answer for ten minutes), so a
 * change of a chatbot's list holds from its next request on.
 */
export function createOriginPolicy(orm: MikroORM, operators: readonly string[]): OriginPolicy {
  const contains = (origin: string) => JSON.stringify([origin]);
  const exists = async (where: string, params: unknown[]) =>
    (await orm.em.fork().execute<unknown[]>(`select 1 from chatbot where ${where} limit 1`, params)).length > 0;
  return {
    operators: new Set(operators),
    anyChatbotAllows: (origin) =>
      exists(`deleted_at is null and widget -> 'allowedOrigins' @> ?::jsonb`, [contains(origin)]),
    chatbotAllows: (chatbotId, origin) =>
      exists(`id = ? and deleted_at is null and widget -> 'allowedOrigins' @> ?::jsonb`, [chatbotId, contains(origin)]),
  };
}
