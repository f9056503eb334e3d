import { blocksToText, messageToText, mrkdwnToText, viewToText } from '../../harness/blocks-text';
import { sampleRequest } from '../../harness/requests';
import { buildApprovalCard, buildHome } from '../../src/slack/blocks';

const NAMES = { U0REQUEST1: 'Riya', S0APPROVERS: 'approvers' };

describe('Block Kit as plain text', () => {
  it('resolves mentions, dates, links and escapes, and drops the markup characters', () => {
    expect(
      mrkdwnToText(
        '*Requester* <@U0REQUEST1> for <!subteam^S0APPROVERS>, `PR-1` _soon_ <!date^1796042551^{date_short_pretty} {time}|2026-11-30T12:42:31Z> <https://x.example/a|the card> &lt;b&gt; &amp; :tada:',
        { names: NAMES },
      ),
    ).toBe('Requester @Riya for @approvers, PR-1 soon 2026-11-30T12:42:31Z the card <b> & 🎉');
    // Unknown ids stay visible; a labelled group mention shows its label.
    expect(mrkdwnToText('<@U0OTHER> <!subteam^S1|@ops> <!here>')).toBe('@U0OTHER @ops @here');
    // snake_case and times are not taken for markup.
    expect(mrkdwnToText('read a_b_c at 12:30:45')).toBe('read a_b_c at 12:30:45');
    expect(mrkdwnToText('>quoted\nnot')).toBe('│ quoted\nnot');
    expect(mrkdwnToText('_from the azure_reservations sheet_')).toBe('from the azure_reservations sheet');
  });

  it('shows the approval card: header, fields as "Label: value", context, buttons and the confirm dialog', () => {
    const r = sampleRequest({ quantity: 2 });
    const text = messageToText(buildApprovalCard(r), { names: NAMES });
    expect(text).toContain('Purchase request PR-TEST0001\n════');
    expect(text).toContain('Requester: @Riya');
    expect(text).toContain('Customer: Contoso (US)');
    expect(text).toContain('Quantity: 2');
    expect(text).toContain('Justification\nProduction web tier needs reserved capacity');
    expect(text).toContain('[ Approve ] [ Reject ] [ Ask a question ]');
    expect(text).toMatch(
      /↳ Approve asks first: “Approve and buy\?” Buy 2 × .*Contoso.*\[ Approve and buy \] \[ Not yet \]/,
    );
    // Nothing of Slack's syntax left over.
    expect(text).not.toMatch(/<@|<!|\*[A-Z]|`/);
  });

  it("shows a Home tab with its sections, accessories and dividers, and a modal's inputs and buttons", () => {
    const mine = sampleRequest({
      id: 'PR-MINE0001',
      status: 'rejected',
      rejection: { by: 'U0APPROVE1', at: 1, reason: 'no' },
    });
    const home = viewToText(
      buildHome({
        userId: 'U0REQUEST1',
        mine: [mine],
        queue: [sampleRequest({ requesterId: 'U0REQUEST2' })],
        canRequest: true,
      }),
      { names: NAMES, confirms: false },
    );
    expect(home.split('\n')[0]).toBe('┌ App Home');
    expect(home).toContain('│ [ New request ]');
    expect(home).toContain('PR-MINE0001');
    expect(home).toContain('[ Submit again ]');
    expect(home).toContain('────');
    expect(home).toContain('[ Approve ] [ Reject ]');
    expect(home).not.toContain('asks first');

    const modal = viewToText({
      type: 'modal',
      title: { type: 'plain_text', text: 'Purchase request' },
      submit: { type: 'plain_text', text: 'Submit' },
      close: { type: 'plain_text', text: 'Cancel' },
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Customer' },
          element: {
            type: 'external_select',
            initial_option: { text: { type: 'plain_text', text: 'Contoso' }, value: 'c' },
          },
        },
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Quantity' },
          element: { type: 'number_input', initial_value: '3' },
        },
        { type: 'unknown_block' },
      ],
    });
    expect(modal).toBe(
      [
        '┌ Purchase request',
        '│ Customer: [ Contoso ▾ ]',
        '│ Quantity: [ 3 ]',
        '│ [unknown_block]',
        '│ [ Cancel ] [ Submit ]',
        '└',
      ].join('\n'),
    );
  });

  it('falls back to the text of a message without blocks', () => {
    expect(messageToText({ text: ':x: <@U0REQUEST1> failed' }, { names: NAMES })).toBe('❌ @Riya failed');
    expect(blocksToText(undefined)).toBe('');
  });
});
