import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { baseEnvSchema, loadEnv } from '#shared/config';
import type { HttpResult } from '#shared/http/api';
import { DASHBOARD_PAGE_FILE, dashboardResponse, readDashboardPage } from '#shared/http/dashboard';

const env = loadEnv(
  baseEnvSchema.extend({
    /** Path of the built page; default: beside this bundle, where the CDK bundling puts it. */
    DASHBOARD_PAGE: z.string().min(1).optional(),
  }),
);
const pageFile = env.DASHBOARD_PAGE ?? fileURLToPath(new URL(`./${DASHBOARD_PAGE_FILE}`, import.meta.url));
let page: HttpResult | undefined;

/**
 * `GET /`: the analyst dashboard page. Open: it holds no data; its script calls the analyst routes.
 * The page is read on the first request (it lies beside the deployed bundle, not beside this source
 * file) and kept for the life of the instance.
 */
export const handler = async (): Promise<HttpResult> => {
  page ??= dashboardResponse(readDashboardPage(pageFile, env.CITY_TIMEZONE));
  return page;
};
