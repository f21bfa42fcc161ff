import { execFileSync } from "node:child_process";

const has = (command: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** Whether `command` exists, after installing Debian's `pkg` when it does not and this runs as root. */
export function ensureCommand(command: string, pkg: string): boolean {
  if (has(command)) return true;
  if (process.getuid?.() !== 0) return false;
  console.error(`bench: installing ${pkg} (apt-get)`);
  try {
    execFileSync("sh", ["-c", `apt-get install -y -qq ${pkg} || (apt-get update -qq && apt-get install -y -qq ${pkg})`], {
      stdio: "ignore",
    });
  } catch {
    return false;
  }
  return has(command);
}
