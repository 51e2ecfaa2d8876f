"""Input of ``POST /api/login/`` (docs/api.md §2.14)."""

from rest_framework import serializers


class LoginSerializer(serializers.Serializer):
    # Not an EmailField: any malformed address gets the same 401 as a wrong password.
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
