"""Use cases of the twofactor app, one module per topic; call them module-qualified.

One lock order for a user's rows, so that no two of these transactions can wait for each other:
the user row first, then the TOTP device, then the backup codes. Writers (``setup``,
``backup_codes``) lock the user row ``FOR NO KEY UPDATE``, which serialises them without blocking
foreign-key checks; a second-factor attempt (``verification``) share-locks it
(``User.objects.lock_for_key_share``) before the device, since the events it records refer to
the user.
"""
