
// The exports the host may call, by ABI name; plugin.json's hooks say which it does call.
definePlugin({
  name: '{{namespace}}/{{name}}',
  exports: {
{{exportNames}}
  },
});
