import type { ConnectionLike } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/contracts.js';

export const ConversationIdKey = defineSearchAttributeKey('ConversationId', SearchAttributeType.KEYWORD);
export const ChatbotIdKey = defineSearchAttributeKey('ChatbotId', SearchAttributeType.KEYWORD);

/** Registers the flow's search attributes when the namespace lacks them (dev server or cluster alike). */
export async function ensureSearchAttributes(connection: ConnectionLike, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => !(name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  const keyword = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
    });
  } catch (err) {
    // Another process may have registered them between our list and add.
    const { customAttributes: now } = await connection.operatorService.listSearchAttributes({ namespace });
    if (missing.some((name) => !(name in (now ?? {})))) throw err;
  }
}
