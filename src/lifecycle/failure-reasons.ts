import { FailureTypes } from '../../workflows/contracts.js';

/**
 * What a client is told about a FAILED reply: a stable `type` and a sentence written for people.
 * The raw detail (provider errors, SQL, stack traces) stays in the logs and the workflow.
 */
const PUBLIC_MESSAGES: Record<string, string> = {
  [FailureTypes.llmRejected]: 'The language model refused to answer this message.',
  [FailureTypes.llmUnavailable]: 'The language model did not answer, even after several attempts.',
  [FailureTypes.llmNotConfigured]: 'No language model is configured to answer this chatbot.',
  [FailureTypes.channelNotConfigured]:
    'The reply could not be sent: this conversation’s channel has no delivery set up.',
  [FailureTypes.channelRejected]: 'The reply could not be sent: the channel refused it.',
  [FailureTypes.channelUnavailable]:
    'The reply could not be sent: the channel did not accept it, even after several attempts.',
  [FailureTypes.outsideCustomerServiceWindow]:
    'The reply could not be sent: the user last wrote more than 24 hours ago, and WhatsApp then accepts only template messages.',
  [FailureTypes.flowCancelled]: 'Answering this message was cancelled by an operator.',
  [FailureTypes.flowEnded]: 'Answering this message was stopped before a reply was made.',
  [FailureTypes.internal]: 'An internal error prevented a reply.',
};

/** Failures whose detail we wrote ourselves from what a channel answered: safe, and useful to show. */
const PUBLIC_DETAIL = new Set<string>([FailureTypes.channelRejected, FailureTypes.channelUnavailable]);

export interface PublicFailure {
  type: string;
  message: string;
  /** What the channel answered (an HTTP status, a provider code), where that is known. */
  detail?: string;
}

/** The public form of a failure type; anything unknown is an InternalError. */
export function publicFailure(type: string, reason?: string): PublicFailure {
  const message = PUBLIC_MESSAGES[type];
  if (!message) return { type: FailureTypes.internal, message: PUBLIC_MESSAGES[FailureTypes.internal] };
  return PUBLIC_DETAIL.has(type) && reason ? { type, message, detail: reason } : { type, message };
}
