/** The Audit page's words in English and Spanish: actions, actors, filters, details. */
export type Lang = 'en' | 'es';

export const ACTIONS: Record<string, { en: string; es: string }> = {
  'auth.sign_in': { en: 'Signed in', es: 'Inició sesión' },
  'auth.sign_in_failed': { en: 'Sign-in failed', es: 'Inicio de sesión fallido' },
  'auth.password_changed': { en: 'Password changed', es: 'Cambió su contraseña' },
  'key.created': { en: 'API key created', es: 'Clave de API creada' },
  'key.rotated': { en: 'API key rotated', es: 'Clave de API rotada' },
  'key.revoked': { en: 'API key revoked', es: 'Clave de API revocada' },
  'tenant.created': { en: 'Store created', es: 'Tienda creada' },
  'tenant.updated': { en: 'Store changed', es: 'Tienda modificada' },
  'tenant.settings_changed': { en: 'Settings changed', es: 'Ajustes modificados' },
  'tenant.deactivated': { en: 'Store deactivated', es: 'Tienda desactivada' },
  'user.added': { en: 'User added', es: 'Usuario añadido' },
  'user.disabled': { en: 'User disabled', es: 'Usuario desactivado' },
  'user.enabled': { en: 'User enabled', es: 'Usuario activado' },
  'operator.created': { en: 'Operator created', es: 'Operador creado' },
  'operator.password_reset': { en: 'Operator’s password reset', es: 'Contraseña de operador restablecida' },
  'end_user.exported': { en: 'Customer’s data exported', es: 'Datos de un cliente exportados' },
  'end_user.erased': { en: 'Customer erased', es: 'Cliente borrado' },
};

/** Filter groups (`key.*`) before the single actions. */
export const ACTION_GROUPS: Record<string, { en: string; es: string }> = {
  'auth.*': { en: 'Sign-ins (all)', es: 'Inicios de sesión (todos)' },
  'key.*': { en: 'API keys (all)', es: 'Claves de API (todas)' },
  'tenant.*': { en: 'Store and settings (all)', es: 'Tienda y ajustes (todo)' },
  'user.*': { en: 'Users (all)', es: 'Usuarios (todos)' },
  'end_user.*': { en: 'Customers’ data (all)', es: 'Datos de clientes (todo)' },
};

export const ACTORS: Record<string, { en: string; es: string }> = {
  operator: { en: 'Operator', es: 'Operador' },
  store_user: { en: 'Store user', es: 'Usuario de la tienda' },
  api_key: { en: 'API key', es: 'Clave de API' },
  cli: { en: 'Command line', es: 'Línea de comandos' },
  system: { en: 'System', es: 'Sistema' },
  end_user: { en: 'Customer', es: 'Cliente' },
  anonymous: { en: 'Unknown', es: 'Desconocido' },
};

export const REASONS: Record<string, { en: string; es: string }> = {
  wrong_password: { en: 'wrong password', es: 'contraseña incorrecta' },
  unknown_email: { en: 'unknown email', es: 'email desconocido' },
  disabled: { en: 'account disabled', es: 'cuenta desactivada' },
  tenant_inactive: { en: 'store deactivated', es: 'tienda desactivada' },
};

export const TEXT = {
  en: {
    title: 'Audit',
    intro: 'Who did what: sign-ins, API keys, store and settings changes, users, customers’ exports and erasures.',
    language: 'Language',
    action: 'Action',
    actor: 'Who',
    allActions: 'All actions',
    allActors: 'Anyone',
    tenant: 'Store',
    allTenants: 'All stores and the platform',
    from: 'From',
    to: 'To',
    clear: 'Clear filters',
    export: 'Export CSV',
    when: 'When',
    target: 'On',
    address: 'Address',
    details: 'Details',
    platform: 'Platform',
    newer: '‹ Newer',
    older: 'Older ›',
    pages: 'Audit pages',
    table: 'Audit events',
    empty: 'Nothing recorded',
    emptyBody: 'No event matches these filters. Events are kept for the period the operator set (PROBADOR_AUDIT_RETENTION_DAYS, a year by default).',
    reason: 'reason',
    sections: 'sections',
  },
  es: {
    title: 'Auditoría',
    intro: 'Quién hizo qué: inicios de sesión, claves de API, cambios en la tienda y sus ajustes, usuarios, exportaciones y borrados de datos de clientes.',
    language: 'Idioma',
    action: 'Acción',
    actor: 'Quién',
    allActions: 'Todas las acciones',
    allActors: 'Cualquiera',
    tenant: 'Tienda',
    allTenants: 'Todas las tiendas y la plataforma',
    from: 'Desde',
    to: 'Hasta',
    clear: 'Quitar filtros',
    export: 'Exportar CSV',
    when: 'Cuándo',
    target: 'Sobre',
    address: 'Dirección',
    details: 'Detalles',
    platform: 'Plataforma',
    newer: '‹ Más recientes',
    older: 'Más antiguos ›',
    pages: 'Páginas de la auditoría',
    table: 'Eventos de auditoría',
    empty: 'Nada registrado',
    emptyBody: 'Ningún evento coincide con estos filtros. Los eventos se guardan el tiempo que fija el operador (PROBADOR_AUDIT_RETENTION_DAYS, un año por defecto).',
    reason: 'motivo',
    sections: 'secciones',
  },
} as const;

export const when = (lang: Lang, iso: string) => new Date(iso).toLocaleString(lang === 'es' ? 'es-ES' : 'en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'medium' }) + ' UTC';
