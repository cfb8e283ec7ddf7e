import { Migration } from '@mikro-orm/migrations';

/** Outbox and turn-taking columns on user messages, and idempotency keys for POST /messages/send. */
export class Migration20261125010000_guarantees extends Migration {
  override up(): void {
    // flow_started_at: the flow picked the message up (the outbox sweeper starts those still null).
    // flow_done_at: its reply is delivered or failed; the next message of the conversation may go.
    this.addSql(
      `alter table message add column flow_started_at timestamptz null, add column flow_done_at timestamptz null;`,
    );
    this.addSql(`update message set flow_started_at = created_at, flow_done_at = created_at where role = 'USER';`);
    this.addSql(
      `create index message_flow_unstarted_index on message (created_at) where role = 'USER' and flow_started_at is null;`,
    );
    this.addSql(
      `create index message_flow_undone_index on message (conversation_id, seq) where role = 'USER' and flow_done_at is null;`,
    );

    this.addSql(`
      create table idempotency_key (
        customer_id varchar(255) not null,
        key varchar(255) not null,
        request_hash char(64) not null,
        response jsonb null,
        locked_until timestamptz null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        primary key (customer_id, key)
      );`);
    this.addSql(`create index idempotency_key_expires_at_index on idempotency_key (expires_at);`);
  }
}
