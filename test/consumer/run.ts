// Runs the five automations against a sandbox started from the installed package and prints what they
// did as one JSON line (test/consumer-install.test.ts checks it). `node run.js` in the consumer project.
import { createCloseClient } from 'close-crm-openapi';
import { startSandbox } from 'close-crm-openapi/sandbox';
import { closeWon, formToLead, logNoteAndCall, smartViewDigest, taskCompletedByRep } from './automations.js';

// The README quick start's options, as a strict project writes them: an unset variable is `undefined`.
export const fromEnvironment = () =>
  createCloseClient({ apiKey: process.env.CLOSE_API_KEY, baseUrl: process.env.CLOSE_BASE_URL });

const sandbox = await startSandbox({ port: 0, seed: 'demo' });
try {
  const close = createCloseClient({ apiKey: 'consumer-install-test', baseUrl: sandbox.url });
  const { lead, sourceValue } = await formToLead(close, {
    company: 'Consumer Test Co',
    contactName: 'Casey Consumer',
    email: 'casey@consumer.example',
    source: 'Website Form',
  });
  if (lead.id === undefined) throw new Error('the created lead has no id');
  const won = await closeWon(close, lead.id, 4200_00);
  const logged = await logNoteAndCall(close, lead.id);
  const digest = await smartViewDigest(close, 'Website leads');
  const { rep, task } = await taskCompletedByRep(close, lead.id);
  const again = await close.call('getLead', { params: { path: { lead_id: lead.id } } });
  console.log(
    JSON.stringify({
      lead: { id: lead.id, name: again.name, sourceValue },
      opportunity: { status_type: won.status_type, status_label: won.status_label, value: won.value },
      activities: {
        note: logged.note.note,
        callDuration: logged.call.duration,
        types: logged.types,
      },
      digest,
      task: { rep, assigned_to: task.assigned_to, is_complete: task.is_complete },
    }),
  );
} finally {
  await sandbox.close();
}
