import { Migration } from '@mikro-orm/migrations';

/**
 * One name for a message's turn (src/lifecycle): it starts when its flow takes it off the outbox
 * and finishes when its answer is saved or failed. The columns and their partial indexes were
 * named after the flow (`flow_started_at`, `flow_done_at`); PostgreSQL carries the index
 * predicates over to the new names.
 */
export class Migration20261204000000_turns extends Migration {
  override up(): void {
    this.addSql(`alter table message rename column flow_started_at to turn_started_at;`);
    this.addSql(`alter table message rename column flow_done_at to turn_finished_at;`);
    this.addSql(`alter index message_flow_unstarted_index rename to message_turn_queued_index;`);
    this.addSql(`alter index message_flow_undone_index rename to message_turn_unfinished_index;`);
  }
}
