import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * The `migrate` step for an app that owns a Prisma schema: the same `prisma migrate deploy`
 * production runs, from the app's folder, with the app's database variable pointed at `url`.
 */
export const prismaMigrate =
  (appDir: string, urlVariable: string) =>
  async (url: string): Promise<void> => {
    await promisify(execFile)(join(appDir, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
      cwd: appDir,
      env: { ...process.env, [urlVariable]: url, CHECKPOINT_DISABLE: "1" },
    });
  };
