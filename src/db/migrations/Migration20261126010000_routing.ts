import { Migration } from '@mikro-orm/migrations';

/**
 * Chatbot routing: ordered rules, a fallback reply and what to do when generation fails; chatbots
 * are deleted softly (their history stays readable). Agents' messages take turns with users'.
 * Conversations are listed by newest activity.
 */
export class Migration20261126010000_routing extends Migration {
  override up(): void {
    this.addSql(`alter table chatbot
      add column rules jsonb not null default '[]',
      add column fallback_reply text null,
      add column on_failure varchar(16) not null default 'fallback' check (on_failure in ('fallback', 'handoff')),
      add column deleted_at timestamptz null;`);
    // Agents' messages take turns like users' (delivered in order, through the outbox): the
    // partial indexes of the turn queries cover both roles.
    this.addSql(`drop index message_flow_unstarted_index;`);
    this.addSql(
      `create index message_flow_unstarted_index on message (created_at) where role in ('USER', 'AGENT') and flow_started_at is null;`,
    );
    this.addSql(`drop index message_flow_undone_index;`);
    this.addSql(
      `create index message_flow_undone_index on message (conversation_id, seq) where role in ('USER', 'AGENT') and flow_done_at is null;`,
    );
    this.addSql(
      `create index conversation_chatbot_activity_idx on conversation (chatbot_id, (coalesce(last_message_at, created_at)) desc, id desc);`,
    );
  }
}
