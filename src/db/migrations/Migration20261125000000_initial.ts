import { Migration } from '@mikro-orm/migrations';

/** Base schema: chatbots, conversations, messages, with the indexes the hot queries use. */
export class Migration20261125000000_initial extends Migration {
  override up(): void {
    this.addSql(`
      create table chatbot (
        id uuid primary key,
        customer_id varchar(255) not null,
        name varchar(200) not null,
        system_prompt text not null default '',
        model varchar(200) null,
        temperature double precision null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );`);
    // GET /chatbots lists one customer's bots, newest last.
    this.addSql(`create index chatbot_customer_id_created_at_index on chatbot (customer_id, created_at);`);

    this.addSql(`
      create table conversation (
        id uuid primary key,
        chatbot_id uuid not null references chatbot (id) on delete cascade,
        external_user_id varchar(255) not null,
        channel text not null check (channel in ('WIDGET', 'WEBHOOK', 'WHATSAPP')),
        status text not null default 'OPEN' check (status in ('OPEN', 'HANDOFF', 'CLOSED')),
        last_seq integer not null default 0,
        last_message_at timestamptz null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );`);
    // At most one open conversation per end user, bot and channel: concurrent first messages
    // land in the same conversation instead of racing to create two. Also serves the lookup.
    this.addSql(`
      create unique index conversation_open_unique
        on conversation (chatbot_id, external_user_id, channel) where status <> 'CLOSED';`);
    this.addSql(`create index conversation_chatbot_id_index on conversation (chatbot_id);`);

    this.addSql(`
      create table message (
        id uuid primary key,
        conversation_id uuid not null references conversation (id) on delete cascade,
        seq integer not null,
        role text not null check (role in ('USER', 'ASSISTANT', 'AGENT', 'SYSTEM')),
        content text not null,
        delivery_status text not null
          check (delivery_status in ('PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED')),
        metadata jsonb not null default '{}',
        reply_to_id uuid null references message (id) on delete cascade,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint message_conversation_seq_unique unique (conversation_id, seq)
      );`);
    // Exactly one reply per user message, enforced by the database.
    this.addSql(`create unique index message_reply_to_id_unique on message (reply_to_id);`);
  }
}
