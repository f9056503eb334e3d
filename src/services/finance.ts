import type { KnownBlock } from '@slack/types';

/** The answer to a finance subcommand, shown privately to whoever asked. */
export interface FinanceAnswer {
  text: string;
  blocks?: KnownBlock[];
}

/** The finance side of the bot: commands and invoice announcements (see FinanceService below). */
export interface FinanceCommands {
  command(verb: string, args: string[], who: { userId: string; channelId: string }): Promise<FinanceAnswer>;
}
