import { createDrafts } from './drafts.js';
import { advance, statusLabel } from './status.js';
import type {
  Conversation,
  ConversationStatus,
  DeliveryStatus,
  DeltaEvent,
  Message,
  Role,
  StatusEvent,
} from './types.js';

/** One line of the log, as the view draws it; `key` is stable across renders. */
export interface Entry {
  key: string;
  kind: 'message' | 'draft' | 'local' | 'notice';
  role: Role;
  text: string;
  /** Under the end user's own messages: "sending…", "sent", …, "failed: <reason>". */
  status?: string;
  /** A reply the end user should confirm reading (message:read), until it is READ. */
  unread?: boolean;
}

interface Local {
  key: string;
  content: string;
  failed?: string;
  /** The server message that is this one (its `message` event came before the send's answer). */
  echo?: string;
}

const NOTICES: Partial<Record<ConversationStatus, string>> = {
  HANDOFF: 'You are now talking to a person',
  CLOSED: 'This conversation has ended',
};

/**
 * What the log shows: the conversation's messages by id in `seq` order (an event seen twice or late
 * changes nothing), the drafts of replies being streamed, the end user's messages not yet accepted,
 * status notices, and the conversations before this one.
 */
export function createConversation(onChange: () => void) {
  let current: Conversation | undefined;
  let messages = new Map<string, Message>();
  let early = new Map<string, DeliveryStatus>();
  let notices: { key: string; afterSeq: number; text: string }[] = [];
  let archive: Entry[] = [];
  let noticeCount = 0;
  const drafts = createDrafts();
  const locals: Local[] = [];
  const state = { typing: false, hasMore: false };

  const mine = (conversationId: string) => conversationId === current?.id;
  const sorted = () => [...messages.values()].sort((a, b) => a.seq - b.seq);
  const highestSeq = () => sorted().at(-1)?.seq ?? 0;

  function messageEntry(m: Message): Entry {
    const own = m.role === 'USER';
    const unread = (m.role === 'ASSISTANT' || m.role === 'AGENT') && m.deliveryStatus !== 'READ';
    return {
      key: m.id,
      kind: 'message',
      role: m.role,
      text: m.content,
      status: own ? statusLabel(m) : undefined,
      unread,
    };
  }

  function currentEntries(): Entry[] {
    const out: Entry[] = [];
    const pending = [...notices];
    for (const m of sorted()) {
      while (pending[0] && pending[0].afterSeq < m.seq) out.push(noticeEntry(pending.shift()!));
      out.push(messageEntry(m));
    }
    out.push(...pending.map(noticeEntry));
    return out;
  }

  const noticeEntry = (n: { key: string; text: string }): Entry => ({ ...n, kind: 'notice', role: 'SYSTEM' });

  /** Adds or updates a message (from an event or a page); true when it is new here. */
  function put(m: Message): boolean {
    if (!mine(m.conversationId)) return false;
    const known = messages.get(m.id);
    let status = known ? advance(known.deliveryStatus, m.deliveryStatus) : m.deliveryStatus;
    const reported = early.get(m.id);
    if (reported) status = advance(status, reported, true);
    early.delete(m.id);
    messages.set(m.id, { ...m, deliveryStatus: status });
    if (m.role !== 'USER') drafts.delete(m.id);
    if (!known && m.role === 'USER') {
      // Its `message` event can beat the send's answer: the unsent copy hides behind it.
      const local = locals.find((l) => !l.echo && !l.failed && l.content === m.content);
      if (local) local.echo = m.id;
    }
    return !known;
  }

  function notice(text: string) {
    notices.push({ key: `notice-${++noticeCount}`, afterSeq: highestSeq(), text });
  }

  return {
    state,
    id: () => current?.id,
    status: () => current?.status,
    highestSeq,
    lowestSeq: () => sorted()[0]?.seq,

    /** The conversation the end user is in now; a new one keeps the old one's lines above it. */
    switchTo(conversation: Conversation) {
      if (current && current.id !== conversation.id) {
        archive = [...archive, ...currentEntries()];
        messages = new Map();
        early = new Map();
        notices = [];
        drafts.clear();
        state.typing = false;
        state.hasMore = false;
      }
      current = { id: conversation.id, status: conversation.status };
      onChange();
    },

    /** A message from a `message` event; true when it is new here. */
    upsert(m: Message): boolean {
      const added = put(m);
      onChange();
      return added;
    },

    messageStatus({ messageId, conversationId, status }: StatusEvent) {
      if (!mine(conversationId)) return;
      const known = messages.get(messageId);
      if (!known) early.set(messageId, advance(early.get(messageId) ?? 'PENDING', status, true));
      else messages.set(messageId, { ...known, deliveryStatus: advance(known.deliveryStatus, status, true) });
      onChange();
    },

    delta(event: DeltaEvent) {
      if (mine(event.conversationId) && !messages.has(event.messageId) && drafts.apply(event)) onChange();
    },

    typing(conversationId: string, isTyping: boolean) {
      if (!mine(conversationId) || state.typing === isTyping) return;
      state.typing = isTyping;
      onChange();
    },

    /** A handoff, a resume or a close: said in the log where it happened. */
    conversationStatus(conversationId: string, status: ConversationStatus) {
      if (!current || !mine(conversationId) || current.status === status) return;
      const text = NOTICES[status] ?? (current.status === 'HANDOFF' ? 'The bot is back' : undefined);
      current = { ...current, status };
      if (text) notice(text);
      if (status === 'CLOSED') state.typing = false;
      onChange();
    },

    /** A page of history (older, or caught up); `hasMore`: older ones remain. Returns the messages new here. */
    page(page: Message[], hasMore?: boolean): Message[] {
      const added = page.filter(put);
      if (hasMore !== undefined) state.hasMore = hasMore;
      onChange();
      return added;
    },

    addLocal(key: string, content: string) {
      locals.push({ key, content });
      onChange();
    },
    localFailed(key: string, reason: string) {
      const local = locals.find((l) => l.key === key);
      if (local) Object.assign(local, { failed: reason, echo: undefined });
      onChange();
    },
    localDone(key: string) {
      const at = locals.findIndex((l) => l.key === key);
      if (at >= 0) locals.splice(at, 1);
      onChange();
    },

    entries(): Entry[] {
      const streaming = drafts
        .list()
        .map((d): Entry => ({ key: d.id, kind: 'draft', role: 'ASSISTANT', text: d.text }));
      const unsent = locals
        .filter((l) => !l.echo || !messages.has(l.echo))
        .map((l): Entry => {
          const status = l.failed ? `failed: ${l.failed}` : 'sending…';
          return { key: `local-${l.key}`, kind: 'local', role: 'USER', text: l.content, status };
        });
      return [...archive, ...currentEntries(), ...streaming, ...unsent];
    },
  };
}
