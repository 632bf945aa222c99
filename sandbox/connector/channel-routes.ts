import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { sendJson } from '../emulator/respond.js';
import type { EmulatorRequest, Router } from '../emulator/router.js';
import { channelOpenIdConfiguration, type ChannelKeys } from './channel-keys.js';
import type { ConnectorStore } from './connector-store.js';
import { answerControl, readControlInput, type ControlInput, type ControlOutcome } from './control-forms.js';
import { ChannelError, type ChannelDelivery, type TeamsChannel } from './teams-channel.js';

/**
 * What login.botframework.com serves for the channel's tokens: the discovery document botbuilder is
 * configured with (ToBotFromChannelOpenIdMetadataUrl) and the key set it names.
 */
export function addChannelMetadataRoutes(router: Router, channel: TeamsChannel, keys: Promise<ChannelKeys>): Router {
  return router
    .get('/v1/.well-known/openidconfiguration', (req, res) => {
      channel.learnOrigin(socketOrigin(req));
      sendJson(res, 200, channelOpenIdConfiguration(requestOrigin(req)));
    })
    .get('/v1/.well-known/keys', async (_req, res) => sendJson(res, 200, (await keys).jwks()));
}

const Person = z.string().trim().min(1, 'name a person: their Entra object id or user principal name');

const Settings = z.object({
  messagingEndpoint: z
    .union([z.string().trim(), z.null()])
    // an emptied form field clears it
    .transform((v) => (v ? v : null)),
});

const TokenRequest = z
  .object({
    audience: z.string().min(1).optional(),
    issuer: z.string().min(1).optional(),
    serviceUrl: z.string().min(1).optional(),
    expiresInSeconds: z.number().int().optional(),
    notBeforeInSeconds: z.number().int().optional(),
    forged: z.boolean().optional(),
  })
  .strict();

/**
 * The control routes that play the Teams client's part: set where the bot listens, install or
 * uninstall the app as a person, write to the bot as a person, and mint channel tokens for tests of
 * a bot's token checks.
 */
export function addChannelControlRoutes(router: Router, channel: TeamsChannel, store: ConnectorStore): Router {
  const control =
    (handler: (input: ControlInput) => Promise<ControlOutcome>) =>
    async (req: EmulatorRequest, res: ServerResponse): Promise<void> => {
      channel.learnOrigin(socketOrigin(req));
      const input = await readControlInput(req);
      let outcome: ControlOutcome;
      try {
        outcome = await handler(input);
      } catch (err) {
        if (!(err instanceof ChannelError) && !(err instanceof z.ZodError)) throw err;
        const message = err instanceof z.ZodError ? z.prettifyError(err) : err.message;
        const user = typeof input.fields.user === 'string' ? store.findPerson(input.fields.user)?.id : undefined;
        outcome = { status: err instanceof ChannelError ? err.status : 400, body: { error: message }, notice: message, user };
      }
      answerControl(res, input, outcome);
    };
  const name = (id: string): string => store.findPerson(id)?.displayName ?? id;

  return router
    .get('/__control/settings', (req, res) => {
      channel.learnOrigin(socketOrigin(req));
      sendJson(res, 200, { messagingEndpoint: channel.messagingEndpoint, serviceUrl: channel.serviceUrl });
    })
    .post('/__control/settings', control(async ({ fields }) => {
      const { messagingEndpoint } = Settings.parse(fields);
      channel.setMessagingEndpoint(messagingEndpoint);
      const now = channel.messagingEndpoint;
      return {
        status: 200,
        body: { messagingEndpoint: now },
        notice: now ? `The channel now posts to ${now}.` : 'The messaging endpoint is cleared.',
      };
    }))
    .post('/__control/install', control(async ({ fields }) => {
      const user = Person.parse(fields.user);
      // checked before anything changes: a control call that cannot reach the bot installs nothing
      channel.requireEndpoint();
      const result = await channel.install(user);
      const id = store.findPerson(user)!.id;
      return deliveryOutcome(result.deliveries, { ...result }, `Installed the app for ${name(user)}`, id);
    }))
    .post('/__control/uninstall', control(async ({ fields }) => {
      const user = Person.parse(fields.user);
      channel.requireEndpoint();
      const result = await channel.uninstall(user);
      const id = store.findPerson(user)!.id;
      return deliveryOutcome(result.deliveries, { ...result }, `Uninstalled the app for ${name(user)}`, id);
    }))
    .post('/__control/say', control(async ({ fields }) => {
      const user = Person.parse(fields.user);
      const text = z.string({ error: 'text is required' }).parse(fields.text);
      const result = await channel.say(user, text);
      const id = store.findPerson(user)!.id;
      const delivery: ChannelDelivery = { type: 'message', ...result };
      return deliveryOutcome([delivery], { ...result }, `${name(user)} said "${text}"`, id);
    }))
    .post('/__control/channel-token', control(async ({ fields }) => {
      const token = await channel.token(TokenRequest.parse(fields));
      return { status: 200, body: { token }, notice: 'Token minted.' };
    }));
}

/**
 * 200 with the bot's answers, or 502 when the bot was not reachable (the installation or message
 * still happened on the Teams side, as it would if the bot were down).
 */
function deliveryOutcome(
  deliveries: ChannelDelivery[],
  body: Record<string, unknown>,
  what: string,
  user: string,
): ControlOutcome {
  const failed = deliveries.find((d) => d.status === null);
  if (failed) return { status: 502, body: { error: failed.error, ...body }, notice: `${what}, but ${failed.error}.`, user };
  const answers = deliveries.map((d) => `${d.status} to ${d.type}`).join(', ');
  return { status: 200, body, notice: `${what}; the bot answered ${answers}.`, user };
}

/** The address this request arrived at: the emulator's own origin, whatever name the client used. */
function socketOrigin(req: EmulatorRequest): string {
  const socket = req.raw.socket as TLSSocket;
  const address = socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `${socket.encrypted ? 'https' : 'http'}://${host}:${socket.localPort}`;
}

/** The origin as the client addressed it, so the key set's URL works from where the document was read. */
function requestOrigin(req: EmulatorRequest): string {
  const socket = req.raw.socket as TLSSocket;
  const host = req.headers.host;
  return host ? `${socket.encrypted ? 'https' : 'http'}://${host}` : socketOrigin(req);
}
