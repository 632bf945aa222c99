import { runDoctorCli } from './doctor.js';

// `npm run doctor -- --tenant … --client-id … --kaltura-partner …`: the console's "Test connection"
// from a terminal (docs/setup.md, "Check the setup from a terminal"). This entry point is the doctor's
// only reader of the environment, and only of the variables its flags name for the secrets.
const code = await runDoctorCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
// a client's idle keep-alive socket must not hold the terminal
setTimeout(() => process.exit(code), 2000).unref();
