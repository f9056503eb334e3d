import type { HandlerDeps } from './deps';

/** The workspace a payload came from, in any of the shapes Slack sends it. */
export function teamOf(body: unknown): { teamId: string | undefined; enterpriseId: string | undefined } {
  const b = (body ?? {}) as {
    team_id?: unknown;
    team?: { id?: unknown } | null;
    enterprise_id?: unknown;
    enterprise?: { id?: unknown } | null;
    user?: { team_id?: unknown } | null;
  };
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  return {
    teamId: str(b.team_id) ?? str(b.team?.id) ?? str(b.user?.team_id),
    enterpriseId: str(b.enterprise_id) ?? str(b.enterprise?.id),
  };
}

export function fromAllowedWorkspace(deps: HandlerDeps, body: unknown): boolean {
  const { teamId, enterpriseId } = teamOf(body);
  return deps.access.workspaceAllowed(teamId, enterpriseId);
}
