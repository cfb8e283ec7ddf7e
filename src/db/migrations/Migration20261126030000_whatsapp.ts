import { Migration } from '@mikro-orm/migrations';

/**
 * WhatsApp: the chatbot's Cloud API settings (secrets write-only through the API); the provider's
 * id of a message (a wamid), unique, so inbound redeliveries and status updates find their row;
 * and each conversation's last inbound message time, which opens WhatsApp's 24-hour window.
 */
export class Migration20261126030000_whatsapp extends Migration {
  override up(): void {
    this.addSql(`alter table chatbot add column whatsapp jsonb null;`);
    this.addSql(`alter table message add column external_id varchar(255) null;`);
    this.addSql(
      `create unique index message_external_id_unique on message (external_id) where external_id is not null;`,
    );
    this.addSql(`alter table conversation add column last_inbound_at timestamptz null;`);
    this.addSql(
      `update conversation c set last_inbound_at = (select max(m.created_at) from message m where m.conversation_id = c.id and m.role = 'USER');`,
    );
  }
}
