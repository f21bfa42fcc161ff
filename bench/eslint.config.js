import shared from "@gateway/eslint-config";

// The benchmark is a script, not a service: it reads its knobs from the environment directly.
export default [...shared, { rules: { "no-restricted-properties": "off" } }];
