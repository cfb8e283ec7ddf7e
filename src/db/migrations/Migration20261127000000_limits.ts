import { Migration } from '@mikro-orm/migrations';

/**
 * Rate limits: a chatbot's own send limits, `{ sendsPerMinute?, userSendsPerMinute? }` (null or
 * absent: the server default). The counting itself lives in Redis or in memory, not here.
 */
export class Migration20261127000000_limits extends Migration {
  override up(): void {
    this.addSql(`alter table chatbot add column limits jsonb null;`);
  }
}
