import { Migration } from '@mikro-orm/migrations';

/**
 * Browser access per chatbot: `widget { allowedOrigins, anonymous, identitySecret? }` (null: none).
 * A CORS preflight names no chatbot, so it asks whether any chatbot allows its origin: the GIN
 * index answers that containment (`@>`) without a scan.
 */
export class Migration20261204010000_widget extends Migration {
  override up(): void {
    this.addSql(`alter table chatbot add column widget jsonb null;`);
    this.addSql(
      `create index chatbot_widget_origins_idx on chatbot using gin ((widget -> 'allowedOrigins')) where deleted_at is null;`,
    );
  }
}
