"""Intake by SMS, free of Rasa: numbers and their keyed hashes, carrier keywords, replies as
plain SMS parts, the channel's own texts, and Twilio's signature, TwiML and REST API.

The Rasa input channel that uses them is bot/rasa_plugins/sms_channel.py; what is stored
(opt-outs, message ids, who a conversation belongs to) is bot/storage/sms.py.
"""
