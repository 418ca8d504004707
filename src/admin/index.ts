export { adminRoutes, ADMIN_PREFIX } from './routes.ts'
