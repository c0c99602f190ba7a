import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { baseEnvSchema, loadEnv } from '#shared/config';
import type { HttpEvent, HttpResult } from '#shared/http/api';
import {
  acceptsGzip,
  DASHBOARD_PAGE_FILE,
  dashboardResponse,
  gzippedResponse,
  readDashboardPage,
} from '#shared/http/dashboard';

const env = loadEnv(
  baseEnvSchema.extend({
    /** Path of the built page; default: beside this bundle, where the CDK bundling puts it. */
    DASHBOARD_PAGE: z.string().min(1).optional(),
  }),
);
const pageFile = env.DASHBOARD_PAGE ?? fileURLToPath(new URL(`./${DASHBOARD_PAGE_FILE}`, import.meta.url));
let page: { plain: HttpResult; gzip: HttpResult } | undefined;

/**
 * `GET /`: the analyst dashboard page. Open: it holds no data; its script calls the analyst routes.
 * The page is read on the first request (it lies beside the deployed bundle, not beside this source
 * file), compressed once, and kept for the life of the instance; gzip goes to browsers that take it.
 */
export const handler = async (event?: Pick<HttpEvent, 'headers'>): Promise<HttpResult> => {
  if (!page) {
    const plain = dashboardResponse(readDashboardPage(pageFile, env.CITY_TIMEZONE));
    page = { plain, gzip: gzippedResponse(plain) };
  }
  return acceptsGzip(event?.headers?.['accept-encoding']) ? page.gzip : page.plain;
};
