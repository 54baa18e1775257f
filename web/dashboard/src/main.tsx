import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentUser, logout, onAuthChange, call, type User } from './api';
import { Login } from './login';
import { match, navigate, onLink, usePath } from './router';
import { Platform } from './pages/platform';
import { Tenants, TenantDetail } from './pages/tenants';
import { Providers } from './pages/providers';
import { Overview } from './pages/overview';
import { FunnelPage } from './pages/funnel';
import { Products } from './pages/products';
import { RecentTryons } from './pages/tryons';
import { Webhooks } from './pages/webhooks';
import { WidgetSettings } from './pages/widget';
import { Keys, Users } from './pages/access';
import { Bots } from './pages/bots';
import { Flows } from './pages/flows';
import { Inbox } from './pages/inbox';
import { Orders } from './pages/orders';
import { Sellers } from './pages/sellers';
import { BotAnalyticsPage } from './pages/bot-analytics';
import { StylePage } from './pages/style';
import { EndUsers } from './pages/end-users';
import { Outbox } from './pages/outbox';
import { AuditPage } from './pages/audit';
import './styles.css';

const STORE_PAGES = [
  ['overview', 'Overview'],
  ['funnel', 'Widget funnel'],
  ['products', 'Products'],
  ['tryons', 'Try-ons'],
  ['style', 'Style'],
  ['end-users', 'End users'],
  ['webhooks', 'Webhooks'],
  ['widget', 'Widget settings'],
  ['inbox', 'Inbox'],
  ['bots', 'Bots'],
  ['bot-analytics', 'Bot analytics'],
  ['flows', 'Flows'],
  ['orders', 'Orders'],
  ['sellers', 'Sellers'],
  ['keys', 'API keys'],
  ['users', 'Users'],
  ['audit', 'Audit'],
] as const;

function Shell(props: { user: User }) {
  const path = usePath();
  const u = props.user;
  const isOp = u.role === 'operator';
  const store = match('/t/:tenant/:page', path) ?? match('/t/:tenant/:page/:sub', path);
  // A tenant user's tenant is always their own, whatever the address says.
  const tenantId = isOp ? store?.tenant : u.tenant_id!;
  const [tenantName, setTenantName] = useState<string>('');
  useEffect(() => {
    if (!tenantId) return;
    call<{ name: string }>(`/admin/v1/tenants/${tenantId}`).then(
      (t) => setTenantName(t.name),
      () => setTenantName(tenantId),
    );
  }, [tenantId]);

  // A tenant user only ever sees their own tenant.
  if (!isOp && (!store || store.tenant !== u.tenant_id)) {
    queueMicrotask(() => navigate(`/t/${u.tenant_id}/overview`, true));
    return null;
  }

  let page;
  let m: Record<string, string> | null;
  if (store && tenantId) {
    const p = store.page;
    page =
      p === 'overview' ? <Overview tenant={tenantId} /> :
      p === 'funnel' ? <FunnelPage tenant={tenantId} /> :
      p === 'products' ? <Products tenant={tenantId} /> :
      p === 'tryons' ? <RecentTryons tenant={tenantId} /> :
      p === 'style' ? <StylePage tenant={tenantId} /> :
      p === 'end-users' ? <EndUsers tenant={tenantId} canWrite={u.role !== 'member'} /> :
      p === 'webhooks' ? <Webhooks tenant={tenantId} sub={store.sub} /> :
      p === 'widget' ? <WidgetSettings tenant={tenantId} canWrite={u.role !== 'member'} /> :
      p === 'keys' ? <Keys tenant={tenantId} canWrite={u.role !== 'member'} /> :
      p === 'users' ? <Users tenant={tenantId} canWrite={u.role !== 'member'} /> :
      p === 'inbox' ? <Inbox tenant={tenantId} sub={store.sub} canWrite={u.role !== 'member'} /> :
      p === 'bots' ? <Bots tenant={tenantId} sub={store.sub} canWrite={u.role !== 'member'} /> :
      p === 'bot-analytics' ? <BotAnalyticsPage tenant={tenantId} /> :
      p === 'flows' ? <Flows tenant={tenantId} sub={store.sub} canWrite={u.role !== 'member'} /> :
      p === 'orders' ? <Orders tenant={tenantId} sub={store.sub} canWrite={u.role !== 'member'} /> :
      p === 'sellers' ? <Sellers tenant={tenantId} canWrite={u.role !== 'member'} /> :
      p === 'audit' ? <AuditPage tenant={tenantId} /> :
      <p>Nothing here: {path}</p>;
  } else if (path === '/' || path === '') page = <Platform />;
  else if (path === '/tenants') page = <Tenants />;
  else if ((m = match('/tenants/:id', path))) page = <TenantDetail id={m.id!} />;
  else if (path === '/providers') page = <Providers />;
  else if (path === '/outbox' && isOp) page = <Outbox />;
  else if (path === '/audit') page = <AuditPage />;
  else page = <p>Nothing here: {path}</p>;

  const link = (href: string, label: string, active: boolean) => (
    <a href={`/dashboard${href}`} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <div class="shell" onClick={onLink}>
      <aside>
        <div class="brand">Probador</div>
        {isOp && (
          <nav aria-label="Operator">
            <div class="nav-title">Platform</div>
            {link('/', 'Overview', path === '/')}
            {link('/tenants', 'Tenants', path.startsWith('/tenants'))}
            {link('/providers', 'Providers', path === '/providers')}
            {link('/outbox', 'Outbox', path === '/outbox')}
            {link('/audit', 'Audit', path === '/audit')}
          </nav>
        )}
        {tenantId && (
          <nav aria-label="Store">
            <div class="nav-title" data-tenant-name>
              {tenantName || '…'}
            </div>
            {STORE_PAGES.map(([p, label]) => link(`/t/${tenantId}/${p}`, label, store?.page === p))}
          </nav>
        )}
        <div class="who">
          <div>{u.email}</div>
          <div class="muted">{u.role}</div>
          <button type="button" class="link" onClick={() => void logout().then(() => navigate('/login', true))}>
            Sign out
          </button>
        </div>
      </aside>
      <main>{page}</main>
    </div>
  );
}

function App() {
  const [user, setUser] = useState(currentUser());
  const path = usePath();
  useEffect(() => onAuthChange(() => setUser(currentUser())), []);
  if (!user) {
    if (path !== '/login') queueMicrotask(() => navigate('/login', true));
    return <Login />;
  }
  if (path === '/login') {
    queueMicrotask(() => navigate(user.role === 'operator' ? '/' : `/t/${user.tenant_id}/overview`, true));
    return null;
  }
  return <Shell user={user} />;
}

render(<App />, document.getElementById('app')!);
