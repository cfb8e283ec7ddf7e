import type { DeltaEvent } from './types.js';

interface Draft {
  attempt: number;
  parts: string[];
}

/**
 * Replies being streamed, by message id: pieces placed by `index` (a late piece fills its gap), a
 * higher `attempt` starting over, an older one ignored. The final `message` removes its draft.
 */
export function createDrafts() {
  const drafts = new Map<string, Draft>();
  return {
    /** Adds a piece; false when it changed nothing shown. */
    apply({ messageId, attempt, index, delta }: DeltaEvent): boolean {
      let draft = drafts.get(messageId);
      if (draft && attempt < draft.attempt) return false;
      if (!draft || attempt > draft.attempt) drafts.set(messageId, (draft = { attempt, parts: [] }));
      if (draft.parts[index] === delta) return false;
      draft.parts[index] = delta;
      return true;
    },
    delete: (messageId: string) => drafts.delete(messageId),
    clear: () => drafts.clear(),
    /** Each draft's text so far: the pieces from 0 up to the first gap. */
    list(): { id: string; text: string }[] {
      return [...drafts].map(([id, { parts }]) => {
        let text = '';
        for (let i = 0; i < parts.length && parts[i] !== undefined; i++) text += parts[i];
        return { id, text };
      });
    },
  };
}
