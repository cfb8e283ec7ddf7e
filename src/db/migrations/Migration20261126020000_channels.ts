import { Migration } from '@mikro-orm/migrations';

/** Per-chatbot channel settings; their secrets are write-only through the API (never returned). */
export class Migration20261126020000_channels extends Migration {
  override up(): void {
    this.addSql(`alter table chatbot add column webhook jsonb null;`);
  }
}
