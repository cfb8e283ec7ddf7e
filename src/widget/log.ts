import type { Entry } from './conversation.js';
import { h, setText } from './dom.js';

interface Row {
  node: HTMLElement;
  who: HTMLElement;
  bubble: HTMLElement;
  meta: HTMLElement;
}

/** Who said it, when it is not obvious from the side: agent messages are labelled. */
const WHO: Partial<Record<Entry['role'], string>> = { AGENT: 'Agent' };

function fill(row: Row, entry: Entry) {
  const side = entry.kind === 'notice' ? 'notice' : entry.role.toLowerCase();
  row.node.className = `row ${side} ${entry.kind}`;
  row.node.toggleAttribute('aria-busy', entry.kind === 'draft');
  if (entry.unread && entry.kind === 'message') row.node.dataset.unread = entry.key;
  else delete row.node.dataset.unread;
  setText(row.who, WHO[entry.role] ?? '');
  row.who.hidden = !WHO[entry.role];
  setText(row.bubble, entry.text);
  setText(row.meta, entry.status ?? '');
  row.meta.hidden = !entry.status;
  row.meta.classList.toggle('failed', entry.status?.startsWith('failed') ?? false);
}

/**
 * The log's rows, keyed by entry: a row is created once, updated in place (a draft becomes its
 * final message without a flash) and moved only when its place changed, so the live region
 * announces what is new and not the whole conversation again.
 */
export function createLog(container: HTMLElement, onRow: (node: HTMLElement) => void) {
  const rows = new Map<string, Row>();

  return {
    render(entries: Entry[]) {
      const seen = new Set<string>();
      let previous: Element | null = null;
      for (const entry of entries) {
        seen.add(entry.key);
        let row = rows.get(entry.key);
        if (!row) {
          const [who, bubble, meta] = [
            h('span', { class: 'who' }),
            h('div', { class: 'bubble' }),
            h('div', { class: 'meta' }),
          ];
          row = { node: h('div', {}, who, bubble, meta), who, bubble, meta };
          rows.set(entry.key, row);
        }
        fill(row, entry);
        const expected: Element | null = previous ? previous.nextElementSibling : container.firstElementChild;
        if (expected !== row.node) container.insertBefore(row.node, expected);
        previous = row.node;
        onRow(row.node);
      }
      for (const [key, row] of rows) {
        if (seen.has(key)) continue;
        row.node.remove();
        rows.delete(key);
      }
    },
  };
}
