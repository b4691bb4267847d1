import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildReferenceApp } from '../examples/app';

describe('reference stack', () => {
  const app = buildReferenceApp(new App());
  const stack = app.node.findChild('CdkAziReference') as import('aws-cdk-lib').Stack;
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
