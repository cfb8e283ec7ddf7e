import { Migration20261125000000_initial } from './Migration20261125000000_initial.js';
import { Migration20261125010000_guarantees } from './Migration20261125010000_guarantees.js';
import { Migration20261126000000_hardening } from './Migration20261126000000_hardening.js';
import { Migration20261126010000_routing } from './Migration20261126010000_routing.js';
import { Migration20261126020000_channels } from './Migration20261126020000_channels.js';
import { Migration20261126030000_whatsapp } from './Migration20261126030000_whatsapp.js';
import { Migration20261127000000_limits } from './Migration20261127000000_limits.js';
import { Migration20261204000000_turns } from './Migration20261204000000_turns.js';
import { Migration20261204010000_widget } from './Migration20261204010000_widget.js';

/** Every migration in order; listed explicitly so no file-system discovery is needed at run time. */
export const migrations = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000_initial },
  { name: 'Migration20261125010000_guarantees', class: Migration20261125010000_guarantees },
  { name: 'Migration20261126000000_hardening', class: Migration20261126000000_hardening },
  { name: 'Migration20261126010000_routing', class: Migration20261126010000_routing },
  { name: 'Migration20261126020000_channels', class: Migration20261126020000_channels },
  { name: 'Migration20261126030000_whatsapp', class: Migration20261126030000_whatsapp },
  { name: 'Migration20261127000000_limits', class: Migration20261127000000_limits },
  { name: 'Migration20261204000000_turns', class: Migration20261204000000_turns },
  { name: 'Migration20261204010000_widget', class: Migration20261204010000_widget },
];
