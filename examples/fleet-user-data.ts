import { readFileSync } from 'fs';
import { join } from 'path';
import { aws_ec2 as ec2 } from 'aws-cdk-lib';

/**
 * User data for the reference stacks: a tiny HTTP service (Python's standard library, under
 * systemd) that answers every GET with 200 and the instance's Availability Zone, read through
 * IMDSv2. The service files live once, in the CodeDeploy revision under `revision/app`; user data
 * embeds the same text, and a deployment of the revision replaces it.
 */
export function tinyHttpServiceUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'mkdir -p /opt/azi-demo',
    "cat > /opt/azi-demo/server.py <<'PY'",
    ...revisionFileLines('server.py'),
    'PY',
    "cat > /etc/systemd/system/azi-demo.service <<'UNIT'",
    ...revisionFileLines('azi-demo.service'),
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now azi-demo.service',
  );
  return userData;
}

function revisionFileLines(name: string): string[] {
  const text = readFileSync(join(__dirname, 'revision', 'app', name), 'utf8');
  return text.replace(/\n$/, '').split('\n');
}
