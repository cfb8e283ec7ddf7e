import { Migration } from '@mikro-orm/migrations';

/**
 * Per-chatbot `max_tokens`; idempotency keys are now written only with their response (an
 * in-flight request holds a transaction-scoped advisory lock instead of a lease column).
 */
export class Migration20261126000000_hardening extends Migration {
  override up(): void {
    this.addSql(`alter table chatbot add column max_tokens integer null check (max_tokens between 1 and 32768);`);
    this.addSql(`delete from idempotency_key where response is null;`);
    this.addSql(`alter table idempotency_key drop column locked_until, alter column response set not null;`);
  }
}
