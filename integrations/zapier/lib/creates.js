'use strict';

const { api } = require('./client');

// The inbound event types of POST /v1/events (Tripline's docs/events.md).
const EVENT_TYPES = [
  'contact_updated', 'tag_applied', 'tag_removed', 'conversation_opened', 'conversation_closed',
  'conversation_transferred_to_human', 'conversation_transferred_to_bot', 'conversation_assigned',
  'conversation_unassigned', 'conversation_archived', 'conversation_unarchived', 'marked_as_follow_up',
  'subscribed_to_sequence', 'unsubscribed_from_sequence', 'contact_referred', 'message_created', 'chat_rated', 'custom',
];

const contactID = { key: 'contact_id', label: 'Contact ID', required: true, type: 'string', helpText: "Your platform's id of the contact." };

const getContact = async (z, bundle, id) =>
  (await z.request({ url: api(bundle, `/v1/contacts/${encodeURIComponent(id)}`) })).data;

// parseObject reads a JSON-object input field; "" is none.
const parseObject = (z, name, text) => {
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text === 'object') return text;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // reported below
  }
  throw new z.errors.Error(`${name} must be a JSON object, such as {"tag": "VIP"}`, 'InvalidInput', 400);
};

const postEvent = {
  key: 'post_event',
  noun: 'Event',
  display: { label: 'Post an Event', description: 'Sends an event about a contact to Tripline, as your chatbot platform would.' },
  operation: {
    inputFields: [
      { key: 'type', label: 'Event type', required: true, choices: EVENT_TYPES },
      contactID,
      { key: 'id', label: 'Event ID', required: false, helpText: 'Optional idempotency key: an event with an id seen before fires nothing.' },
      {
        key: 'fields',
        label: 'Event fields (JSON)',
        required: false,
        type: 'text',
        helpText: 'The fields of the event type as a JSON object, such as `{"tag": "VIP"}` or `{"name": "order_paid", "data": {"total": 42}}`.',
      },
      { key: 'contact', label: 'Contact state (JSON)', required: false, type: 'text', helpText: 'A partial contact state applied first, such as `{"email": "ann@example.com"}`.' },
    ],
    perform: async (z, bundle) => {
      const { type, contact_id: contact, id } = bundle.inputData;
      const event = { ...parseObject(z, 'Event fields', bundle.inputData.fields), type, contact_id: contact };
      if (id) event.id = id;
      const state = parseObject(z, 'Contact state', bundle.inputData.contact);
      if (state) event.contact = state;
      const response = await z.request({ url: api(bundle, '/v1/events'), method: 'POST', body: event });
      return { id: (response.data.trigger_events || [])[0] || id || contact, ...response.data };
    },
    sample: { id: 'evt_01JDZ0000000000000000000', accepted: 1, duplicates: 0, trigger_events: ['evt_01JDZ0000000000000000000'] },
  },
};

const applyTag = {
  key: 'apply_tag',
  noun: 'Tag',
  display: { label: 'Apply a Tag', description: 'Applies a tag to a contact (a new contact id is created), firing tag_applied rules.' },
  operation: {
    inputFields: [contactID, { key: 'tag', label: 'Tag', required: true, dynamic: 'tag_list.id.name' }],
    perform: async (z, bundle) => {
      const { contact_id: contact, tag } = bundle.inputData;
      await z.request({ url: api(bundle, '/v1/events'), method: 'POST', body: { type: 'tag_applied', contact_id: contact, tag } });
      return getContact(z, bundle, contact);
    },
    sample: { id: 'c_42', tags: ['VIP'], custom_fields: {} },
  },
};

const updateContact = {
  key: 'update_contact',
  noun: 'Contact',
  display: { label: 'Update a Contact', description: "Changes a contact's details and custom fields (a new contact id is created)." },
  operation: {
    inputFields: [
      contactID,
      { key: 'name', label: 'Name', required: false },
      { key: 'first_name', label: 'First name', required: false },
      { key: 'last_name', label: 'Last name', required: false },
      { key: 'email', label: 'Email', required: false },
      { key: 'phone', label: 'Phone', required: false },
      { key: 'custom_fields', label: 'Custom fields', required: false, dict: true, helpText: 'Field names and values; a value that reads as JSON (42, true) is stored as such.' },
    ],
    perform: async (z, bundle) => {
      const input = bundle.inputData;
      const patch = {};
      for (const k of ['name', 'first_name', 'last_name', 'email', 'phone']) {
        if (input[k] !== undefined && input[k] !== '') patch[k] = input[k];
      }
      if (input.custom_fields && Object.keys(input.custom_fields).length) {
        patch.custom_fields = {};
        for (const [k, v] of Object.entries(input.custom_fields)) {
          try {
            patch.custom_fields[k] = JSON.parse(v);
          } catch {
            patch.custom_fields[k] = v;
          }
        }
      }
      const response = await z.request({ url: api(bundle, `/v1/contacts/${encodeURIComponent(input.contact_id)}`), method: 'PATCH', body: patch });
      return response.data;
    },
    sample: { id: 'c_42', email: 'ann@example.com', custom_fields: { plan: 'pro' } },
  },
};

module.exports = { creates: { [postEvent.key]: postEvent, [applyTag.key]: applyTag, [updateContact.key]: updateContact } };
