import { MessageBar, MessageBarBody } from '@fluentui/react-components';

/** What a change did, announced as a status; nothing before a change. */
export function Notice({ message }: { message: string | undefined }) {
  if (message === undefined) {
    return null;
  }
  return (
    <MessageBar intent="success" role="status">
      <MessageBarBody>{message}</MessageBarBody>
    </MessageBar>
  );
}
