/** Slack ids that are part of the outside interface (INTERFACE.md). Keep them stable. */
export const IDS = {
  command: '/purchase',
  requestModal: 'purchase_request',
  rejectModal: 'reject_reason',
  blocks: {
    customer: 'customer',
    kind: 'kind',
    product: 'product',
    sku: 'sku',
    availability: 'availability',
    quantity: 'quantity',
    azureSubscription: 'azure_subscription',
    justification: 'justification',
    rejectReason: 'reason',
  },
  actions: {
    approve: 'approve_request',
    reject: 'reject_request',
  },
} as const;

export type FieldId = Exclude<keyof typeof IDS.blocks, 'rejectReason'>;
