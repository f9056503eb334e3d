/** Slack ids that are part of the outside interface (INTERFACE.md). Keep them stable; add freely. */
export const IDS = {
  command: '/purchase',
  requestModal: 'purchase_request',
  rejectModal: 'reject_reason',
  askModal: 'ask_question',
  answerModal: 'answer_question',
  /** The global shortcut in manifest.yml ("New purchase request"). */
  shortcut: 'new_purchase_request',
  blocks: {
    customer: 'customer',
    kind: 'kind',
    product: 'product',
    sku: 'sku',
    availability: 'availability',
    quantity: 'quantity',
    azureSubscription: 'azure_subscription',
    attestation: 'attestation',
    justification: 'justification',
    rejectReason: 'reason',
    question: 'question',
    answer: 'answer',
  },
  actions: {
    approve: 'approve_request',
    reject: 'reject_request',
    ask: 'ask_question',
    answer: 'answer_question',
    submitAgain: 'submit_again',
    cancelOrder: 'cancel_order',
    newRequest: 'new_request',
  },
} as const;

/** The value of the attestation checkbox when ticked. */
export const ATTESTATION_ACCEPTED = 'accepted';

/** Sentinel option value shown when a list cannot be filled yet (no customer chosen, say). */
export const NONE = '__none__';
