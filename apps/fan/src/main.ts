import './style.css';
import { apiClient } from './api/client';
import { completeLogIn, currentSession, logIn, logOut } from './auth';
import type { AppConfig } from './config';
import { $, alertUser, h, show } from './dom';
import { leaveView, run, setHome } from './shell';
import { fan } from './state';
import { holding } from './views/checkout';
import { concerts } from './views/queue';
import { continueHeldTo } from './views/seats';
import { tickets } from './views/tickets';

/**
 * The reference fan app (ADR 0026): log in, queue, pick a seat, hold it, top up, pay, my tickets.
 * The views follow the fan's story (views/queue, views/seats, views/checkout, views/tickets);
 * `shell` runs them, `state` is where the fan is, `api` calls the gateway.
 */
function navigation(): void {
  const button = (label: string, action: () => void) =>
    h('button', { type: 'button', onclick: () => run(action) }, label);
  $('nav').replaceChildren(
    button('Concerts', concerts),
    button('My tickets', tickets),
    button('Log out', () => {
      logOut();
      location.reload();
    }),
    h('span', { class: 'who' }, `Signed in as ${fan.session.userId}`),
  );
}

function welcome(): void {
  leaveView();
  show(
    'Welcome',
    h('p', {}, 'Sign in to queue for tickets, pick your seat and pay from your wallet.'),
    h('button', { type: 'button', onclick: () => run(() => logIn(fan.config)) }, 'Log in'),
  );
}

async function start(): Promise<void> {
  fan.config = (await (await fetch('./config.json')).json()) as AppConfig;
  fan.api = apiClient(fan.config);
  setHome(concerts);
  continueHeldTo(holding);
  const back = await completeLogIn(fan.config).catch((err: unknown) => {
    alertUser(`Sign-in failed: ${(err as Error).message}`);
    return undefined;
  });
  const known = back ?? currentSession();
  if (!known) return welcome();
  fan.session = known;
  navigation();
  await concerts();
}

run(start);
