/** One audit-trail entry: which event, who caused it, when, and the status it left. */
export interface AuditEntry {
  id: string;
  requestId: string;
  event: string;
  actor: string;
  at: number;
  status: string;
  detail?: string | undefined;
}
