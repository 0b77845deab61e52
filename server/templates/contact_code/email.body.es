Estimado(a) usuario(a):

Para registrar este correo electrónico en su Clave Sence, escriba el siguiente código en la pantalla donde lo pidió:

{{code}}

El código vence en {{minutes}} minutos. No lo comparta con nadie: el SENCE nunca se lo pedirá por teléfono.

Si usted no pidió este cambio, ignore este mensaje: su correo no quedará registrado.

Atte.
SENCE
